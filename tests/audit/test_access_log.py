from __future__ import annotations

import pytest
from django.db import DatabaseError, transaction

from accounts.models import ApiClient, Scope
from audit.models import AccessAction, AccessLogEntry, AccessPurpose
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_entry_is_attributed_to_a_user_and_holds_ids_only(clerk):
    customer = CustomerFactory(
        first_name="Saara", last_name="Lappalainen", email="saara@example.fi"
    )
    entry = AccessLogEntry.record(
        actor=clerk,
        action=AccessAction.VIEW,
        purpose=AccessPurpose.CUSTOMER_SERVICE,
        subject=customer,
    )
    assert entry.user == clerk and entry.api_client is None
    assert entry.subject_id == customer.pk
    stored = " ".join(
        str(v) for v in AccessLogEntry.objects.filter(pk=entry.pk).values().get().values()
    )
    for personal in ("Saara", "Lappalainen", "saara@example.fi", customer.customer_number):
        assert personal not in stored


def test_entry_can_be_attributed_to_an_api_client(db):
    client, _token = ApiClient.issue(name="Puhelinjärjestelmä", scopes=[Scope.CALLS])
    customer = CustomerFactory()
    entry = AccessLogEntry.record(
        actor=client,
        action=AccessAction.EXPORT,
        purpose=AccessPurpose.CUSTOMER_SERVICE,
        subject=customer,
    )
    assert entry.api_client == client and entry.user is None


def test_database_refuses_an_entry_without_exactly_one_actor(clerk):
    customer = CustomerFactory()
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessLogEntry.objects.create(
            action=AccessAction.VIEW,
            purpose=AccessPurpose.CUSTOMER_SERVICE,
            subject_type_id=1,
            subject_id=customer.pk,
        )


def test_entries_cannot_be_changed_or_deleted(clerk):
    customer = CustomerFactory()
    entry = AccessLogEntry.record(
        actor=clerk,
        action=AccessAction.VIEW,
        purpose=AccessPurpose.CUSTOMER_SERVICE,
        subject=customer,
    )
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessLogEntry.objects.filter(pk=entry.pk).update(purpose=AccessPurpose.MARKETING)
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessLogEntry.objects.filter(pk=entry.pk).delete()
    assert AccessLogEntry.objects.get(pk=entry.pk).purpose == AccessPurpose.CUSTOMER_SERVICE


def test_erasure_removes_exactly_the_persons_entries(clerk):
    erased, kept = CustomerFactory(), CustomerFactory()
    for subject in (erased, erased, kept):
        AccessLogEntry.record(
            actor=clerk,
            action=AccessAction.VIEW,
            purpose=AccessPurpose.CUSTOMER_SERVICE,
            subject=subject,
        )
    assert AccessLogEntry.objects.erase_for(erased) == 2
    assert not AccessLogEntry.objects.about(erased).exists()
    assert AccessLogEntry.objects.about(kept).count() == 1


def test_privacy_officer_reads_the_log_filtered_by_person_and_by_user(
    privacy_officer, clerk, supervisor, client_for
):
    customer, other = CustomerFactory(), CustomerFactory()
    AccessLogEntry.record(
        actor=clerk,
        action=AccessAction.VIEW,
        purpose=AccessPurpose.CUSTOMER_SERVICE,
        subject=customer,
    )
    AccessLogEntry.record(
        actor=supervisor,
        action=AccessAction.VIEW,
        purpose=AccessPurpose.CUSTOMER_SERVICE,
        subject=other,
    )
    client = client_for(privacy_officer)

    by_person = client.get(f"/admin/audit/accesslogentry/?person={customer.pk}")
    assert by_person.status_code == 200
    assert [e.subject_id for e in by_person.context["cl"].result_list] == [customer.pk]

    by_user = client.get(f"/admin/audit/accesslogentry/?user={supervisor.pk}")
    assert by_user.status_code == 200
    assert [e.user for e in by_user.context["cl"].result_list] == [supervisor]


def test_privacy_officer_reads_the_history_filtered_by_person_and_by_user(
    privacy_officer, clerk, client_for
):
    import pghistory

    customer, other = CustomerFactory(), CustomerFactory()
    with pghistory.context(user=clerk.pk):
        type(customer).objects.filter(pk=customer.pk).update(first_name="Uusi")
    client = client_for(privacy_officer)
    by_person = client.get(f"/admin/pghistory/events/?person={customer.pk}")
    assert by_person.status_code == 200
    assert {e.pgh_obj_id for e in by_person.context["cl"].result_list} == {str(customer.pk)}
    by_user = client.get(f"/admin/pghistory/events/?user={clerk.pk}")
    assert by_user.status_code == 200
    results = list(by_user.context["cl"].result_list)
    assert [e.pgh_obj_id for e in results] == [str(customer.pk)]
    assert other.pk  # created without a user context, so not in the user's list


@pytest.mark.parametrize("role", ["clerk", "supervisor", "privacy_officer", "marketer", "outsider"])
def test_no_role_can_change_or_delete_audit_rows_in_the_admin(cast, role, client_for, clerk):
    customer = CustomerFactory()
    entry = AccessLogEntry.record(
        actor=clerk,
        action=AccessAction.VIEW,
        purpose=AccessPurpose.CUSTOMER_SERVICE,
        subject=customer,
    )
    client = client_for(cast[role])
    response = client.post(f"/admin/audit/accesslogentry/{entry.pk}/delete/", {"post": "yes"})
    assert response.status_code in (302, 403)
    assert AccessLogEntry.objects.filter(pk=entry.pk).exists()
    response = client.post(
        "/admin/audit/accesslogentry/",
        {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"},
    )
    assert AccessLogEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.parametrize("role", ["clerk", "supervisor", "marketer", "outsider"])
def test_only_the_privacy_officer_reads_the_audit_trail(cast, role, client_for):
    client = client_for(cast[role])
    assert client.get("/admin/audit/accesslogentry/").status_code == 302
    assert client.get("/admin/pghistory/events/").status_code == 302
