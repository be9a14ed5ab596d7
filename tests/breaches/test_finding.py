"""Finding the people a breach involved from the register's own records: a planted trail in
the access log and the change history finds exactly the planted people, none else."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from accounts.models import ApiClient
from audit.models import AccessAction, AccessLogEntry, AccessPurpose
from breaches import services
from breaches.models import AffectedPerson, FindMethod, TimelineKind
from consents.services import disclosure_record
from customers.services import customer_update
from tests.breaches.factories import BreachFactory
from tests.calls.factories import CallRecordingFactory
from tests.conftest import make_user
from tests.consents.factories import AuthorityFactory
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _log(actor, action, subject, at):
    with time_machine.travel(at, tick=False):
        AccessLogEntry.record(
            actor=actor, action=action, purpose=AccessPurpose.CUSTOMER_SERVICE, subject=subject
        )


def _found(breach) -> dict[int, list[str]]:
    return dict(AffectedPerson.objects.filter(breach=breach).values_list("customer_id", "involved"))


@pytest.fixture
def window():
    end = timezone.now().replace(microsecond=0)
    return end - timedelta(days=30), end


def test_a_staff_accounts_trail_finds_exactly_the_people_it_touched(
    privacy_officer, clerk, supervisor, window
):
    start, end = window
    viewed, viewed_twice, exported, played, changed = CustomerFactory.create_batch(5)
    before_window, after_window, by_someone_else = CustomerFactory.create_batch(3)
    inside = start + timedelta(days=3)
    _log(clerk, AccessAction.VIEW, viewed, inside)
    _log(clerk, AccessAction.VIEW, viewed_twice, inside)
    _log(clerk, AccessAction.VIEW, viewed_twice, inside + timedelta(hours=2))
    _log(clerk, AccessAction.EXPORT, exported, inside)
    _log(clerk, AccessAction.PLAYBACK, played, end - timedelta(minutes=1))
    _log(clerk, AccessAction.VIEW, before_window, start - timedelta(seconds=1))
    _log(clerk, AccessAction.VIEW, after_window, end)  # the window is [start, end)
    _log(supervisor, AccessAction.VIEW, by_someone_else, inside)
    with time_machine.travel(inside, tick=False):
        customer_update(
            customer=changed, data={"city": "Kontiolahti"}, expected_version=1, by=clerk
        )
        # The same kind of change by another account is not the clerk's.
        customer_update(
            customer=by_someone_else,
            data={"city": "Lieksa"},
            expected_version=1,
            by=supervisor,
        )
    # The history triggers stamp the transaction's start (the database's clock, which the
    # frozen clock does not reach): date the two changes inside the window by hand.
    import pghistory.core
    import pghistory.models
    import pgtrigger

    from customers.models import Customer

    for event_model in pghistory.core.event_models(tracks_model=Customer):
        with pgtrigger.ignore():
            changes = event_model.objects.filter(
                pgh_obj_id__in=[changed.pk, by_someone_else.pk], city__in=["Kontiolahti", "Lieksa"]
            )
            pghistory.models.Context.objects.filter(pk__in=changes.values("pgh_context_id")).update(
                created_at=inside
            )
            changes.update(pgh_created_at=inside)
    breach = BreachFactory(created_by=privacy_officer)

    found = services.people_find(
        breach=breach,
        method=FindMethod.STAFF_ACCOUNT,
        by=privacy_officer,
        user_pk=clerk.pk,
        start=start,
        end=end,
    )

    assert _found(breach) == {
        viewed.pk: ["view"],
        viewed_twice.pk: ["view"],
        exported.pk: ["export"],
        played.pk: ["playback"],
        changed.pk: ["change"],
    }
    assert (found.found, found.new) == (5, 5)
    breach.refresh_from_db()
    assert breach.people_found == 5
    entry = breach.timeline.get(kind=TimelineKind.PEOPLE_FOUND)
    assert entry.details == {"method": "staff_account", "found": 5, "new": 5}
    assert entry.by == privacy_officer


def test_searching_again_merges_and_counts_each_person_once(privacy_officer, clerk, window):
    start, end = window
    person, other = CustomerFactory.create_batch(2)
    inside = start + timedelta(days=1)
    _log(clerk, AccessAction.VIEW, person, inside)
    breach = BreachFactory(created_by=privacy_officer)
    kwargs = {
        "breach": breach,
        "method": FindMethod.STAFF_ACCOUNT,
        "by": privacy_officer,
        "user_pk": clerk.pk,
        "start": start,
        "end": end,
    }
    services.people_find(**kwargs)
    _log(clerk, AccessAction.EXPORT, person, inside)
    _log(clerk, AccessAction.VIEW, other, inside)
    again = services.people_find(**kwargs)
    assert (again.found, again.new) == (2, 1)
    assert _found(breach) == {person.pk: ["export", "view"], other.pk: ["view"]}
    breach.refresh_from_db()
    assert breach.people_found == 2


def test_an_api_clients_trail(privacy_officer, clerk, window):
    start, end = window
    client, _token = ApiClient.issue(name="Verkkosivut", scopes=["consents"])
    other_client, _token = ApiClient.issue(name="Puhelinjärjestelmä", scopes=["calls"])
    read, not_read = CustomerFactory.create_batch(2)
    _log(client, AccessAction.VIEW, read, start + timedelta(days=2))
    _log(other_client, AccessAction.VIEW, not_read, start + timedelta(days=2))
    _log(clerk, AccessAction.VIEW, not_read, start + timedelta(days=2))
    breach = BreachFactory(created_by=privacy_officer)
    services.people_find(
        breach=breach,
        method=FindMethod.API_CLIENT,
        by=privacy_officer,
        api_client_pk=client.pk,
        start=start,
        end=end,
    )
    assert _found(breach) == {read.pk: ["view"]}


def test_a_disclosure_finds_the_people_in_it(privacy_officer):
    inside, outside = CustomerFactory.create_batch(3), CustomerFactory()
    disclosure = disclosure_record(
        recipient=AuthorityFactory(),
        basis="legal_obligation",
        mandate="Poliisilaki 4:3",
        categories=["basic"],
        subjects=[c.pk for c in inside],
        by=privacy_officer,
    )
    breach = BreachFactory(created_by=privacy_officer)
    services.people_find(
        breach=breach,
        method=FindMethod.DISCLOSURE,
        by=privacy_officer,
        disclosure_pk=disclosure.pk,
    )
    assert _found(breach) == {c.pk: ["disclosed"] for c in inside}
    assert outside.pk not in _found(breach)


def test_a_lost_file_finds_whose_it_was(privacy_officer):
    owner, someone = CustomerFactory.create_batch(2)
    lost = CallRecordingFactory(customer=owner)
    CallRecordingFactory(customer=someone)
    breach = BreachFactory(created_by=privacy_officer)
    for name in (lost.audio.name, lost.audio.name.rsplit("/", 1)[1]):
        services.people_find(
            breach=breach, method=FindMethod.FILE, by=privacy_officer, file_name=name
        )
    assert _found(breach) == {owner.pk: ["file"]}


def test_the_searchers_own_writes_are_not_found_as_changes(privacy_officer, clerk, window):
    start, end = window
    person = CustomerFactory()
    _log(clerk, AccessAction.VIEW, person, start + timedelta(days=1))
    first = BreachFactory(created_by=privacy_officer)
    services.people_find(
        breach=first,
        method=FindMethod.STAFF_ACCOUNT,
        by=privacy_officer,
        user_pk=clerk.pk,
        start=start,
        end=end,
    )
    # The officer's search wrote affected-person rows; they are no change to anyone's data.
    second = BreachFactory(created_by=privacy_officer)
    services.people_find(
        breach=second,
        method=FindMethod.STAFF_ACCOUNT,
        by=privacy_officer,
        user_pk=privacy_officer.pk,
        start=start,
        end=timezone.now() + timedelta(minutes=1),
    )
    assert _found(second) == {}


def test_the_find_form_refuses_bad_windows(client_for, privacy_officer):
    breach = BreachFactory(created_by=privacy_officer)
    other = make_user("other", None)
    url = f"/admin/breaches/breach/{breach.pk}/ihmiset/"
    response = client_for(privacy_officer).post(
        url,
        {
            "method": "staff_account",
            "user": other.pk,
            "start": "2026-11-10T10:00",
            "end": "2026-11-01T10:00",
        },
    )
    assert response.status_code == 200
    assert "Lopun on oltava alun jälkeen." in response.content.decode()
    assert not AffectedPerson.objects.exists()
