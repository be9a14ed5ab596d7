"""Lists that show people are in the access log like the customer page: the search results (the
query's kind, never its text), a company's contact persons, call recordings, and the admin's
lists and history pages (issue 15, item 11)."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType

from audit.models import AccessAction, AccessLogEntry
from calls.models import CallRecording
from customers.models import Customer
from tests.calls.factories import CallRecordingFactory
from tests.customers.factories import CompanyFactory, ContactRoleFactory, CustomerFactory


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def logged(action: str, *, model=Customer) -> dict[int, AccessLogEntry]:
    entries = AccessLogEntry.objects.filter(
        action=action, subject_type=ContentType.objects.get_for_model(model)
    )
    return {entry.subject_id: entry for entry in entries}


def entry_text(entry: AccessLogEntry) -> str:
    return " ".join(
        str(value) for value in AccessLogEntry.objects.filter(pk=entry.pk).values().get().values()
    )


def test_search_results_log_each_person_shown_with_the_kind_of_query(clerk, client_for):
    shown = [CustomerFactory(last_name="Virtanen") for _ in range(3)]
    other = CustomerFactory(last_name="Korhonen")
    response = client_for(clerk).get("/asiakkaat/", {"q": "Virtanen"})
    assert response.status_code == 200
    entries = logged(AccessAction.SEARCH)
    assert set(entries) == {person.pk for person in shown}
    assert other.pk not in entries
    entry = entries[shown[0].pk]
    assert (entry.user, entry.detail) == (clerk, "text")
    assert "Virtanen" not in entry_text(entry)


def test_a_phone_search_logs_its_kind_not_the_number(clerk, client_for):
    person = CustomerFactory(phone="+358401234567")
    client_for(clerk).get("/asiakkaat/", {"q": "040 123 4567"})
    entry = logged(AccessAction.SEARCH)[person.pk]
    assert entry.detail == "phone"
    assert "1234567" not in entry_text(entry)


def test_a_company_page_logs_the_contact_persons_it_shows(clerk, client_for):
    company = CompanyFactory()
    roles = [ContactRoleFactory(company=company) for _ in range(2)]
    ContactRoleFactory()  # another company's
    assert client_for(clerk).get(f"/yritykset/{company.pk}/").status_code == 200
    entries = logged(AccessAction.LIST)
    assert set(entries) == {role.customer_id for role in roles}
    assert {entry.object_id for entry in entries.values()} == {role.pk for role in roles}
    assert all(entry.detail == "company-contacts" for entry in entries.values())


def test_a_recordings_metadata_page_is_logged(supervisor, client_for):
    person = CustomerFactory()
    recording = CallRecordingFactory(customer=person)
    assert client_for(supervisor).get(f"/puhelut/{recording.pk}/").status_code == 200
    entry = logged(AccessAction.VIEW)[person.pk]
    assert (entry.user, entry.object_id) == (supervisor, recording.pk)


def test_the_recordings_list_logs_each_call_shown(supervisor, client_for):
    matched = CallRecordingFactory(customer=CustomerFactory())
    unmatched = CallRecordingFactory(customer=None)
    assert client_for(supervisor).get("/puhelut/").status_code == 200
    assert set(logged(AccessAction.LIST)) == {matched.customer_id}
    # A call nobody was matched to is its own subject, gone with it.
    assert set(logged(AccessAction.LIST, model=CallRecording)) == {unmatched.pk}


def test_the_admins_customer_list_logs_each_person_shown(privacy_officer, client_for):
    people = [CustomerFactory() for _ in range(3)]
    response = client_for(privacy_officer).get("/admin/customers/customer/")
    assert response.status_code == 200
    entries = logged(AccessAction.LIST)
    assert set(entries) == {person.pk for person in people}
    assert all(entry.detail == "admin-list" for entry in entries.values())


def test_an_admin_list_of_rows_about_people_logs_the_people(privacy_officer, client_for):
    role = ContactRoleFactory()
    client_for(privacy_officer).get("/admin/customers/company/")  # companies: nobody's data
    assert not AccessLogEntry.objects.exists()
    recording = CallRecordingFactory(customer=role.customer)
    client_for(privacy_officer).get("/admin/calls/callrecording/")
    entry = logged(AccessAction.LIST)[role.customer_id]
    assert entry.object_id == recording.pk


def test_the_admin_history_pages_log_the_person(privacy_officer, client_for):
    person = CustomerFactory()
    client = client_for(privacy_officer)
    assert client.get(f"/admin/customers/customer/{person.pk}/history/").status_code == 200
    assert logged(AccessAction.LIST)[person.pk].detail == "admin-history"
    assert client.get("/admin/pghistory/events/").status_code == 200
    assert AccessLogEntry.objects.about(person).filter(detail="admin-list").exists()


def test_erasure_takes_the_list_entries_with_the_person(clerk, client_for):
    person = CustomerFactory(last_name="Virtanen")
    client_for(clerk).get("/asiakkaat/", {"q": "Virtanen"})
    assert AccessLogEntry.objects.about(person).count() == 1
    AccessLogEntry.objects.erase_for(person)
    assert not AccessLogEntry.objects.exists()
