"""Art. 19: the recipients of the person's data are told of a rectification, erasure or
restriction, once each, or the reason is recorded; the completion letter can name them."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from consents.models import Disclosure
from dsar import erasure, recipients, services
from dsar.letters import letter_html
from dsar.models import IdentityMethod, LetterKind, WorkflowError
from privacy.declarations import Basis, Category
from tests.consents.factories import RecipientFactory
from tests.customers.factories import CustomerFactory
from tests.dsar.factories import make_request

pytestmark = pytest.mark.django_db


def _disclosed(person, recipient, by):
    disclosure = Disclosure.objects.create(
        recipient=recipient,
        basis=Basis.CONSENT,
        mandate="DPA",
        categories=[Category.BASIC],
        disclosed_by=by,
    )
    disclosure.subjects.add(person)


def test_each_recipient_is_recorded_once_and_named_in_the_completion_letter(privacy_officer):
    person = CustomerFactory()
    research = RecipientFactory(name="Tutkimus Oy")
    mailing = RecipientFactory(name="Postitus Oy")
    RecipientFactory(name="Ei saanut Oy")
    _disclosed(person, research, privacy_officer)
    _disclosed(person, mailing, privacy_officer)
    dsar = make_request(by=privacy_officer, customer=person, types=["rectification"])
    services.verify_identity(
        dsar=dsar, method=IdentityMethod.STRONG_EID, note="", by=privacy_officer
    )
    assert [r.name for r in recipients.recipients_of(dsar)] == ["Postitus Oy", "Tutkimus Oy"]

    recipients.record(
        dsar=dsar,
        recipient=research,
        outcome="sent",
        sent_on=timezone.localdate(),
        method="email",
        by=privacy_officer,
    )
    with pytest.raises(WorkflowError):
        recipients.record(
            dsar=dsar,
            recipient=research,
            outcome="sent",
            sent_on=timezone.localdate(),
            method="post",
            by=privacy_officer,
        )
    with pytest.raises(ValidationError):
        recipients.record(
            dsar=dsar, recipient=mailing, outcome="impossible", reason="", by=privacy_officer
        )
    recipients.record(
        dsar=dsar,
        recipient=mailing,
        outcome="impossible",
        reason="Yhtiö on lopettanut toimintansa",
        by=privacy_officer,
    )
    assert dsar.notifications.count() == 2
    assert recipients.pending(dsar) == []
    html = letter_html(dsar, LetterKind.COMPLETION, recipients=["Tutkimus Oy"])
    assert "Tutkimus Oy" in html


def test_after_an_erasure_the_recipients_come_from_the_preview(
    privacy_officer, django_capture_on_commit_callbacks
):
    person = CustomerFactory()
    research = RecipientFactory(name="Tutkimus Oy")
    _disclosed(person, research, privacy_officer)
    dsar = make_request(by=privacy_officer, customer=person, types=["erasure"])
    services.verify_identity(
        dsar=dsar, method=IdentityMethod.STRONG_EID, note="", by=privacy_officer
    )
    plan = erasure.preview(dsar=dsar, by=privacy_officer)
    with django_capture_on_commit_callbacks(execute=True):
        erasure.execute(dsar=dsar, plan=plan, by=privacy_officer)
    dsar.refresh_from_db()
    assert dsar.customer is None
    assert recipients.recipients_of(dsar) == [research]


def test_a_recipient_that_got_nothing_cannot_be_recorded(privacy_officer):
    person = CustomerFactory()
    dsar = make_request(by=privacy_officer, customer=person, types=["restriction"])
    with pytest.raises(ValidationError):
        recipients.record(
            dsar=dsar,
            recipient=RecipientFactory(),
            outcome="disproportionate",
            reason="x",
            by=privacy_officer,
        )
