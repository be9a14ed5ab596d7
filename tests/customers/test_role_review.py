"""The contact-role review (issue #16): a role with no confirmation or activity for 24 months
goes onto customer service's list; confirmed it starts again, ended it leaves; left unanswered
for 3 months, the daily job ends it."""

from __future__ import annotations

from datetime import date

import pghistory
import pytest
from dateutil.relativedelta import relativedelta
from django.urls import reverse

from customers.models import ContactRole
from customers.services import contact_roles_review
from customers.tasks import review_contact_roles
from privacy.restriction import restriction_set
from tests.customers.factories import ContactRoleFactory

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 30)
PAGE = reverse("customers:role_review")


def quiet_role(**kwargs) -> ContactRole:
    """A role started over 24 months before TODAY, never confirmed."""
    return ContactRoleFactory(started_on=date(2024, 11, 29), ended_on=None, **kwargs)


def last_event(role: ContactRole):
    (event_model,) = pghistory.core.event_models(tracks_model=ContactRole)
    return event_model.objects.filter(pgh_obj_id=role.pk).order_by("-pgh_id").first()


def decide(role: ContactRole, decision: str) -> str:
    return reverse("customers:role_decide", args=[role.pk, decision])


def test_a_quiet_role_is_listed_and_ended_three_months_later_unanswered():
    quiet = quiet_role()
    exactly_24_months = ContactRoleFactory(started_on=date(2024, 11, 30), ended_on=None)
    confirmed = quiet_role(confirmed_on=date(2025, 6, 1))
    ended = ContactRoleFactory(started_on=date(2020, 1, 1), ended_on=date(2021, 1, 1))

    assert contact_roles_review(today=TODAY).listed == 1
    quiet.refresh_from_db()
    assert quiet.review_listed_on == TODAY
    assert quiet.review_ends_on == date(2027, 2, 28)
    for other in (exactly_24_months, confirmed, ended):
        other.refresh_from_db()
        assert other.review_listed_on is None
    # A second run the same day lists nobody again and ends nothing yet.
    again = contact_roles_review(today=TODAY)
    assert (again.listed, again.ended) == (0, 0)
    assert contact_roles_review(today=date(2027, 2, 27)).ended == 0

    assert contact_roles_review(today=date(2027, 2, 28)).ended == 1
    quiet.refresh_from_db()
    assert (quiet.ended_on, quiet.review_listed_on) == (date(2027, 2, 28), None)
    # The job's change is attributable in the role's history.
    event = last_event(quiet)
    assert event.pgh_context.metadata["job"] == "review-contact-roles"


def test_a_restricted_persons_role_is_not_ended_by_the_job(privacy_officer):
    role = quiet_role(review_listed_on=date(2026, 1, 1))
    restriction_set(customer=role.customer, reason="Asiakas kiistää tiedot.", by=privacy_officer)

    result = contact_roles_review(today=TODAY)

    assert (result.ended, result.restricted) == (0, 1)
    role.refresh_from_db()
    assert role.ended_on is None


def test_the_beat_task_runs_the_review(settings):
    quiet_role()
    assert review_contact_roles() == {"listed": 1, "ended": 0, "restricted": 0}
    assert "review-contact-roles" in settings.CELERY_BEAT_SCHEDULE


def test_customer_service_confirms_or_ends_a_listed_role(clerk, client_for):
    keep = quiet_role(review_listed_on=TODAY, title="Talousjohtaja")
    end = quiet_role(review_listed_on=TODAY, title="Henkilöstöpäällikkö")
    client = client_for(clerk)

    page = client.get(PAGE)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Tarkistettavat yhteyshenkilöt" in text
    assert "Talousjohtaja" in text and "Henkilöstöpäällikkö" in text

    response = client.post(decide(keep, "vahvista"), {"page": "1"})
    assert response.status_code == 302 and response["Location"] == f"{PAGE}?page=1"
    response = client.post(decide(end, "paata"))
    keep.refresh_from_db()
    end.refresh_from_db()
    assert (keep.review_listed_on, keep.ended_on) == (None, None)
    assert keep.confirmed_on is not None
    assert end.ended_on is not None and end.review_listed_on is None
    event = last_event(end)
    assert event.pgh_context.metadata["user"] == clerk.pk
    assert "Ei tarkistettavia tehtäviä." in client.get(PAGE).content.decode()


def test_the_list_is_paginated_and_its_queries_do_not_grow(
    clerk, client_for, django_assert_max_num_queries
):
    for _ in range(3):
        quiet_role(review_listed_on=TODAY)
    client = client_for(clerk)
    with django_assert_max_num_queries(30) as few:
        client.get(PAGE)
    for _ in range(30):
        quiet_role(review_listed_on=TODAY - relativedelta(days=1))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(PAGE)
    assert "Sivu 1 / 2" in response.content.decode()
    assert 'rel="next"' in response.content.decode()


def test_bad_requests_are_refused_in_finnish_never_a_500(clerk, outsider, client_for):
    role = quiet_role(review_listed_on=TODAY)
    client = client_for(clerk)
    assert client.get(decide(role, "vahvista")).status_code == 405
    assert client.post(decide(role, "poista")).status_code == 404
    assert client.post(reverse("customers:role_decide", args=[999999, "paata"])).status_code == 404
    assert client.get(f"{PAGE}?page=abc").status_code == 200
    assert client_for(outsider).get(PAGE).status_code == 403
    assert client_for(outsider).post(decide(role, "paata")).status_code == 403
    ContactRole.objects.filter(pk=role.pk).update(ended_on=TODAY)
    response = client.post(decide(role, "vahvista"), follow=True)
    assert "Tehtävä on jo päättynyt." in response.content.decode()
