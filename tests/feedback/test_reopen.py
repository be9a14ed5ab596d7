"""'Mark handled' can be undone: staff who handle feedback reopen a handled item; the change
history says who handled it and who reopened it (issue 17, item 8)."""

from __future__ import annotations

import pghistory.models
import pytest
from django.utils import timezone

from feedback.models import FeedbackStatus
from privacy.restriction import restriction_set
from tests.feedback.factories import FeedbackFactory

pytestmark = pytest.mark.django_db


def handled(by, **kwargs):
    return FeedbackFactory(
        status=FeedbackStatus.HANDLED,
        response="Soitettu takaisin.",
        handled_by=by,
        handled_at=timezone.now(),
        **kwargs,
    )


def test_a_handled_item_is_reopened_with_its_response_kept_and_the_reopener_recorded(
    clerk, supervisor, client_for
):
    feedback = handled(clerk)
    client = client_for(supervisor)
    assert "Avaa uudelleen" in client.get(f"/palaute/{feedback.pk}/").content.decode()

    response = client.post(f"/palaute/{feedback.pk}/avaa-uudelleen/", follow=True)

    page = response.content.decode()
    assert "Palaute on taas käsiteltävänä." in page
    assert "Merkitse käsitellyksi" in page  # it can be handled again
    feedback.refresh_from_db()
    assert feedback.status == FeedbackStatus.IN_PROGRESS
    assert feedback.handled_by is None and feedback.handled_at is None
    assert feedback.response == "Soitettu takaisin."
    reopened = pghistory.models.Events.objects.filter(
        pgh_obj_model="feedback.Feedback", pgh_obj_id=str(feedback.pk)
    ).order_by("-pgh_created_at", "-pgh_id")[0]
    assert reopened.pgh_context["user"] == supervisor.pk
    assert reopened.pgh_data["status"] == FeedbackStatus.IN_PROGRESS


def test_reopening_needs_the_right_to_handle_feedback_and_a_post(
    clerk, privacy_officer, marketer, client_for
):
    feedback = handled(clerk)
    assert client_for(clerk).get(f"/palaute/{feedback.pk}/avaa-uudelleen/").status_code == 405
    for user in (privacy_officer, marketer):
        response = client_for(user).post(f"/palaute/{feedback.pk}/avaa-uudelleen/")
        assert response.status_code == 403
        assert (
            "Avaa uudelleen"
            not in client_for(user).get(f"/palaute/{feedback.pk}/").content.decode()
        )
    feedback.refresh_from_db()
    assert feedback.status == FeedbackStatus.HANDLED


def test_a_restricted_persons_handled_feedback_stays_handled(clerk, privacy_officer, client_for):
    feedback = handled(clerk)
    restriction_set(customer=feedback.customer, reason="Oikaisu kesken.", by=privacy_officer)
    response = client_for(clerk).post(f"/palaute/{feedback.pk}/avaa-uudelleen/", follow=True)
    assert "käsittelyä on rajoitettu" in response.content.decode()
    feedback.refresh_from_db()
    assert feedback.status == FeedbackStatus.HANDLED
