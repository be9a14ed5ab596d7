"""The privacy officer's admin reads as the register's own words: people and staff by name
(linked), changes field by field with Finnish field names, a person found by a search of their
name or customer number, filters by staff member and period, local times everywhere, and a
fixed number of queries whatever a page holds."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from audit.history import attributed_to
from audit.models import AccessAction, AccessLogEntry, AccessPurpose
from customers.models import Customer
from privacy.models import RetentionRun, RunStatus
from tests.accounts.test_no_english_left import english_in, visible_text
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db

LOG = "/admin/audit/accesslogentry/"
HISTORY = "/admin/pghistory/events/"


@pytest.fixture
def named_clerk(clerk):
    clerk.first_name, clerk.last_name = "Kaisa", "Asiakaspalvelija"
    clerk.save()
    return clerk


def change_email(person: Customer, to: str, by) -> None:
    with attributed_to(by):
        Customer.objects.filter(pk=person.pk).update(email=to)


def view(person: Customer, by) -> AccessLogEntry:
    return AccessLogEntry.record(
        actor=by, action=AccessAction.VIEW, purpose=AccessPurpose.CUSTOMER_SERVICE, subject=person
    )


def rows(response) -> list:
    return list(response.context["cl"].result_list)


def test_history_shows_who_changed_whose_what_from_what_to_what(
    privacy_officer, named_clerk, client_for
):
    person = CustomerFactory(first_name="Aino", last_name="Mäkinen", email="a@x.fi")
    change_email(person, "b@x.fi", named_clerk)
    response = client_for(privacy_officer).get(HISTORY, {"person": person.pk})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Sähköposti: a@x.fi → b@x.fi" in body
    assert f'<a href="/asiakkaat/{person.pk}/">Aino Mäkinen ({person.customer_number})</a>' in body
    assert "Kaisa Asiakaspalvelija" in body
    assert "<h1>Muutoshistoria</h1>" in body
    text = visible_text(body)
    assert "pgh" not in text.lower() and '{"user"' not in text


def test_history_and_access_log_find_the_person_by_name_or_customer_number(
    privacy_officer, named_clerk, client_for
):
    person = CustomerFactory(first_name="Aino", last_name="Mäkinen", email="a@x.fi")
    other = CustomerFactory(first_name="Pekka", last_name="Virtanen")
    change_email(person, "b@x.fi", named_clerk)
    change_email(other, "c@x.fi", named_clerk)
    view(person, named_clerk)
    view(other, named_clerk)
    client = client_for(privacy_officer)
    for query in ("Mäkinen", person.customer_number):
        history = client.get(HISTORY, {"q": query})
        assert {event.person for event in rows(history)} == {person}
        log = client.get(LOG, {"q": query})
        assert {entry.subject_id for entry in rows(log)} == {person.pk}
        # The search offers the person by name as a filter choice.
        assert f"Aino Mäkinen ({person.customer_number})" in log.content.decode()
    assert rows(client.get(LOG, {"q": "Eiketään Olemassa"})) == []


def test_the_people_a_search_offers_are_logged(privacy_officer, client_for):
    person = CustomerFactory(first_name="Aino", last_name="Mäkinen")
    client_for(privacy_officer).get(HISTORY, {"q": "Mäkinen"})
    offered = AccessLogEntry.objects.about(person).get(detail="admin-search")
    assert offered.user == privacy_officer and offered.action == AccessAction.SEARCH


def test_access_log_names_the_person_and_the_staff_member(privacy_officer, named_clerk, client_for):
    person = CustomerFactory(first_name="Aino", last_name="Mäkinen")
    view(person, named_clerk)
    body = client_for(privacy_officer).get(LOG, {"person": person.pk}).content.decode()
    assert f'<a href="/asiakkaat/{person.pk}/">Aino Mäkinen ({person.customer_number})</a>' in body
    assert f'?user={named_clerk.pk}"' in body and "Kaisa Asiakaspalvelija" in body
    assert "<h1>Käyttöloki</h1>" in body
    assert "osoitteen numero" not in body  # no longer asks for an internal id


def test_filters_by_staff_member_and_by_period(
    privacy_officer, named_clerk, supervisor, client_for
):
    person = CustomerFactory()
    view(person, named_clerk)
    view(person, supervisor)
    long_ago = datetime(2026, 1, 10, 21, 30, tzinfo=UTC)  # 10.1. 23.30 in Helsinki
    AccessLogEntry.objects.bulk_create(
        [
            AccessLogEntry(
                at=long_ago,
                user=supervisor,
                action=AccessAction.VIEW,
                purpose=AccessPurpose.CUSTOMER_SERVICE,
                subject_type=ContentType.objects.get_for_model(Customer),
                subject_id=person.pk,
            )
        ]
    )
    client = client_for(privacy_officer)
    by_clerk = rows(client.get(LOG, {"user": named_clerk.pk}))
    assert [entry.user for entry in by_clerk] == [named_clerk]
    january = rows(client.get(LOG, {"at_from": "2026-01-10", "at_to": "2026-01-10"}))
    assert [entry.at for entry in january] == [long_ago]
    typed = rows(client.get(LOG, {"at_from": "10.1.2026", "at_to": "10.1.2026"}))
    assert [entry.at for entry in typed] == [long_ago]
    with_changes = client.get(HISTORY, {"pgh_created_at_from": "2026-01-11"})
    assert with_changes.status_code == 200


@pytest.mark.parametrize("url", [LOG, HISTORY])
@pytest.mark.parametrize(
    "params",
    [{"person": "x"}, {"user": "y"}, {"at_from": "huomenna", "pgh_created_at_from": "huomenna"}],
)
def test_bad_filter_values_are_refused_without_an_error(privacy_officer, client_for, url, params):
    response = client_for(privacy_officer).get(url, params)
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        assert "e=1" in response["Location"]


def _page_of(n: int, clerk, supervisor) -> None:
    for index in range(n):
        person = CustomerFactory(email=f"x{index}@x.fi")
        change_email(person, f"y{index}@x.fi", clerk if index % 2 else supervisor)
        view(person, clerk if index % 2 else supervisor)


@pytest.mark.parametrize("url", [LOG, HISTORY])
def test_the_lists_take_the_same_queries_for_few_and_many_rows(
    privacy_officer, named_clerk, supervisor, client_for, django_assert_max_num_queries, url
):
    client = client_for(privacy_officer)
    _page_of(2, named_clerk, supervisor)
    client.get(url)  # warm the caches (content types, the session)
    with django_assert_max_num_queries(22) as few:
        assert client.get(url).status_code == 200
    _page_of(20, named_clerk, supervisor)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200
    # The search adds the people it finds (the staff search), the note of it and their
    # access-log entries.
    with django_assert_max_num_queries(len(few.captured_queries) + 4):
        assert client.get(url, {"q": "a"}).status_code == 200


def test_admin_pages_of_the_privacy_officer_have_no_english(
    privacy_officer, named_clerk, client_for
):
    person = CustomerFactory(first_name="Aino", last_name="Mäkinen", email="a@x.fi")
    change_email(person, "b@x.fi", named_clerk)
    view(person, named_clerk)
    now = timezone.now()
    RetentionRun.objects.create(
        policy="call-recordings", status=RunStatus.SUCCEEDED, started_at=now, finished_at=now
    )
    client = client_for(privacy_officer)
    names = (privacy_officer.first_name, privacy_officer.username)
    for url in (
        LOG,
        f"{LOG}?q=Mäkinen",
        HISTORY,
        f"{HISTORY}?q=Mäkinen",
        "/admin/privacy/retentionrun/",
        "/admin/privacy/retentionrun/ennuste/",
        "/admin/privacy/pendingfiledeletion/",
        "/admin/jobs/job/",
        "/admin/jobs/scheduledrun/",
        "/jarjestelma/ajastukset/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert english_in(response.content.decode(), names=names) == [], url


def test_retention_policies_appear_by_their_finnish_names(privacy_officer, client_for):
    now = timezone.now()
    RetentionRun.objects.create(
        policy="call-recordings", status=RunStatus.SUCCEEDED, started_at=now, finished_at=now
    )
    client = client_for(privacy_officer)
    runs = client.get("/admin/privacy/retentionrun/").content.decode()
    assert "Puhelutallenteet" in runs and "call-recordings</" not in runs
    preview = client.get("/admin/privacy/retentionrun/ennuste/").content.decode()
    assert "Luovutettujen tietojen kopiot" in preview
    assert "anonymisoidaan (luovutettu kopio)" in preview
    assert "(copy)" not in preview and "disclosure-copies" not in preview


def test_a_runs_title_shows_local_time_like_its_fields(db):
    started = datetime(2026, 11, 29, 22, 30, tzinfo=UTC)  # 30.11. 0.30 in Helsinki
    run = RetentionRun(policy="call-recordings", started_at=started)
    assert str(run) == "Puhelutallenteet 30.11.2026 0.30"
    entry = AccessLogEntry(at=started, action=AccessAction.VIEW)
    assert str(entry).startswith("30.11.2026 0.30")


def test_timestamps_in_the_lists_are_local(privacy_officer, named_clerk, client_for):
    person = CustomerFactory()
    entry = view(person, named_clerk)
    local = timezone.localtime(entry.at)
    body = client_for(privacy_officer).get(LOG).content.decode()
    assert f"{local.day}.{local.month}.{local.year} {local.hour}.{local.minute:02d}" in body
