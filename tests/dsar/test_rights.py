"""Restriction (Art. 18) and objection (Art. 21) from a request, through the consent ledger."""

from __future__ import annotations

import pytest
from django.utils import timezone

from consents.models import Ban, BanKind
from dsar import rights, services
from dsar.models import IdentityMethod, LetterKind, WorkflowError
from privacy.models import Restriction
from tests.customers.factories import CustomerFactory
from tests.dsar.factories import make_request

pytestmark = pytest.mark.django_db


def _verified(by, types):
    person = CustomerFactory()
    dsar = make_request(by=by, customer=person, types=types)
    services.verify_identity(dsar=dsar, method=IdentityMethod.STRONG_EID, note="", by=by)
    return dsar, person


def test_an_objection_to_direct_marketing_takes_effect_at_once(privacy_officer):
    dsar, person = _verified(privacy_officer, ["objection"])
    rights.object_to(dsar=dsar, kinds=[BanKind.DIRECT_MARKETING], by=privacy_officer)
    ban = Ban.objects.in_force().get(customer=person)
    assert ban.kind == BanKind.DIRECT_MARKETING and ban.started_on == timezone.localdate()
    assert dsar.reference in ban.note
    assert dsar.timeline.filter(kind="action").exists()


def test_restriction_is_set_and_lifted_only_after_the_person_is_told(privacy_officer):
    dsar, person = _verified(privacy_officer, ["restriction"])
    rights.restrict(dsar=dsar, reason="Tietojen paikkansapitävyys kiistetty", by=privacy_officer)
    assert Restriction.objects.in_force().filter(customer=person).exists()
    with pytest.raises(WorkflowError, match="Kerro ensin"):
        rights.lift_restriction(dsar=dsar, reason="Tarkistettu", by=privacy_officer)
    letter = services.create_letter(dsar=dsar, kind=LetterKind.RESTRICTION_LIFT, by=privacy_officer)
    with pytest.raises(WorkflowError):  # created is not sent
        rights.lift_restriction(dsar=dsar, reason="Tarkistettu", by=privacy_officer)
    services.mark_letter_sent(
        letter=letter, sent_on=timezone.localdate(), method="post", by=privacy_officer
    )
    rights.lift_restriction(dsar=dsar, reason="Tarkistettu", by=privacy_officer)
    assert not Restriction.objects.in_force().filter(customer=person).exists()


def test_nothing_before_identity_or_outside_what_was_asked(privacy_officer):
    person = CustomerFactory()
    dsar = make_request(by=privacy_officer, customer=person, types=["objection"])
    with pytest.raises(WorkflowError, match="henkilöllisyys"):
        rights.object_to(dsar=dsar, kinds=[BanKind.DIRECT_MARKETING], by=privacy_officer)
    services.verify_identity(
        dsar=dsar, method=IdentityMethod.STRONG_EID, note="", by=privacy_officer
    )
    with pytest.raises(WorkflowError):
        rights.restrict(dsar=dsar, reason="x", by=privacy_officer)
    assert not Ban.objects.exists() and not Restriction.objects.exists()
