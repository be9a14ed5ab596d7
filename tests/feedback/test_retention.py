"""Notice §11: feedback is kept 5 calendar years, its survey invitation with it; unanswered
invitations and website visits go by their own policies, through the retention engine."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pghistory
import pytest
import time_machine
from dateutil.relativedelta import relativedelta
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from audit.models import AccessAction, AccessLogEntry, AccessPurpose
from calls.personal_data import RECORDINGS_30_DAYS
from feedback.models import Feedback, SurveyInvitation, WebsiteVisit
from feedback.personal_data import (
    FEEDBACK_5_YEARS,
    SURVEY_INVITATIONS_UNANSWERED,
    WEBSITE_VISITS,
)
from privacy.declarations import registry
from privacy.retention import RetentionPolicy, enforce, policies, preview
from tests.calls.factories import CallRecordingFactory
from tests.feedback.factories import FeedbackFactory, SurveyInvitationFactory, WebsiteVisitFactory

HELSINKI = ZoneInfo("Europe/Helsinki")


def at(year, month, day, hour=12, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=HELSINKI)


def run(policy, moment):
    with time_machine.travel(moment, tick=False):
        return enforce(policy)


def test_the_policies_are_declared_and_runnable():
    assert registry.personal["feedback.feedback"].retention is FEEDBACK_5_YEARS
    assert policies.get("feedback") is FEEDBACK_5_YEARS
    assert policies.get("survey-invitations") is SURVEY_INVITATIONS_UNANSWERED
    assert policies.get("website-visits") is WEBSITE_VISITS
    for policy in (FEEDBACK_5_YEARS, SURVEY_INVITATIONS_UNANSWERED, WEBSITE_VISITS):
        assert policy.problems() == []
    assert (
        FEEDBACK_5_YEARS.describe()
        == "poistetaan, kun 5 kalenterivuotta on kulunut (vastaanotettu)"
    )
    for declaration in registry.declarations():
        assert declaration.basis != "legitimate_interest"


@pytest.mark.django_db
def test_feedback_is_kept_through_the_fifth_anniversary_and_goes_the_day_after():
    feedback = FeedbackFactory(received_at=at(2024, 6, 10, 14, 30))

    run(FEEDBACK_5_YEARS, at(2029, 6, 10, 23, 59))
    assert Feedback.objects.filter(pk=feedback.pk).exists()

    run(FEEDBACK_5_YEARS, at(2029, 6, 11, 0, 1))
    assert not Feedback.objects.filter(pk=feedback.pk).exists()


@pytest.mark.django_db
def test_feedback_of_29_february_goes_on_1_march_five_years_later():
    leap = FeedbackFactory(received_at=at(2024, 2, 29, 9, 0))
    next_day = FeedbackFactory(received_at=at(2024, 3, 1, 9, 0))

    # 29.2.2024 + 5 years ends on 28.2.2029 (February 2029 has no 29th): kept all that day.
    run(FEEDBACK_5_YEARS, at(2029, 2, 28, 23, 59))
    assert Feedback.objects.filter(pk=leap.pk).exists()

    run(FEEDBACK_5_YEARS, at(2029, 3, 1, 0, 1))
    assert not Feedback.objects.filter(pk=leap.pk).exists()
    assert Feedback.objects.filter(pk=next_day.pk).exists()

    run(FEEDBACK_5_YEARS, at(2029, 3, 2, 0, 1))
    assert not Feedback.objects.filter(pk=next_day.pk).exists()


def test_the_calendar_period_counts_local_days_across_leap_years():
    policy = FEEDBACK_5_YEARS
    assert policy.expiry_of(at(2024, 2, 29, 9)) == at(2029, 3, 1, 0)
    assert policy.expiry_of(at(2024, 2, 28, 23, 30)) == at(2029, 3, 1, 0)
    assert policy.expiry_of(at(2023, 2, 28)) == at(2028, 2, 29, 0)  # into a leap year
    assert policy.expiry_of(date(2024, 12, 31)) == at(2030, 1, 1, 0)
    # Just after midnight in Helsinki is still the previous day in UTC: local days count.
    assert policy.expiry_of(at(2024, 6, 10, 0, 30)) == at(2029, 6, 11, 0)
    assert policy.cutoff(at(2029, 3, 1, 0, 1)) == at(2024, 3, 1, 0)
    assert policy.cutoff(at(2028, 2, 29, 12)) == at(2023, 3, 1, 0)


def test_a_calendar_period_counts_whole_days_only():
    def policy(period):
        return RetentionPolicy(
            name="p", model="feedback.Feedback", age_field="received_at", period=period
        )

    assert policy(relativedelta(years=5, hours=3)).problems() == [
        "p: a calendar period is whole years, months and days."
    ]
    assert policy(relativedelta(years=-1)).problems() == ["p: the period must be positive."]
    assert policy(relativedelta(months=18)).problems() == []


moments = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2040, 12, 31), timezones=st.just(HELSINKI)
)


@given(moment=moments, now=moments, months=st.sampled_from([1, 6, 12, 60]))
def test_a_calendar_policy_deletes_exactly_what_has_expired(moment, now, months):
    policy = RetentionPolicy(
        name="property",
        model="feedback.Feedback",
        age_field="received_at",
        period=relativedelta(months=months),
    )
    assert (moment < policy.cutoff(now)) == (policy.expiry_of(moment) <= now)


@pytest.mark.django_db
def test_the_survey_invitation_and_answer_go_with_their_feedback(supervisor):
    call = CallRecordingFactory()
    feedback = FeedbackFactory(received_at=at(2024, 2, 29), call=call, rating=5, text="")
    invitation = SurveyInvitationFactory(
        customer=feedback.customer,
        call=call,
        feedback=feedback,
        status="answered",
        answered_at=at(2024, 2, 29),
        answer_message_id="in-1",
        created_at=at(2024, 2, 29, 10),
        expires_at=at(2024, 3, 7, 10),
    )
    AccessLogEntry.record(
        actor=supervisor,
        action=AccessAction.VIEW,
        purpose=AccessPurpose.CUSTOMER_SERVICE,
        subject=feedback.customer,
        obj=feedback,
    )
    (feedback_events,) = pghistory.core.event_models(tracks_model=Feedback)
    (invitation_events,) = pghistory.core.event_models(tracks_model=SurveyInvitation)
    assert feedback_events.objects.filter(pgh_obj_id=feedback.pk).exists()

    result = run(FEEDBACK_5_YEARS, at(2029, 3, 1, 1))

    assert result.rows == 1
    assert not SurveyInvitation.objects.filter(pk=invitation.pk).exists()
    assert not feedback_events.objects.filter(pgh_obj_id=feedback.pk).exists()
    assert not invitation_events.objects.filter(pgh_obj_id=invitation.pk).exists()
    assert not AccessLogEntry.objects.filter(object_id=feedback.pk).exists()


@pytest.mark.django_db
def test_feedback_outlives_the_recording_of_its_call():
    call = CallRecordingFactory(started_at=timezone.now() - timedelta(days=31))
    feedback = FeedbackFactory(call=call)
    invitation = SurveyInvitationFactory(customer=feedback.customer, call=call, feedback=feedback)

    enforce(RECORDINGS_30_DAYS)

    feedback.refresh_from_db()
    invitation.refresh_from_db()
    assert feedback.call is None and invitation.call is None


@pytest.mark.django_db
def test_an_unanswered_invitation_goes_after_the_quiet_period():
    sent = SurveyInvitationFactory(created_at=timezone.now() - timedelta(days=31))
    recent = SurveyInvitationFactory(created_at=timezone.now() - timedelta(days=29))
    answered = SurveyInvitationFactory(
        created_at=timezone.now() - timedelta(days=40),
        feedback=FeedbackFactory(),
        status="answered",
        answered_at=timezone.now() - timedelta(days=40),
    )

    enforce(SURVEY_INVITATIONS_UNANSWERED)

    remaining = set(SurveyInvitation.objects.values_list("pk", flat=True))
    assert remaining == {recent.pk, answered.pk}
    assert sent.pk not in remaining


@pytest.mark.django_db
def test_website_visits_go_after_90_days():
    old = WebsiteVisitFactory(visited_at=timezone.now() - timedelta(days=90, minutes=1))
    kept = WebsiteVisitFactory(visited_at=timezone.now() - timedelta(days=89))

    run_ = enforce(WEBSITE_VISITS)

    assert run_.rows == 1
    assert list(WebsiteVisit.objects.values_list("pk", flat=True)) == [kept.pk]
    assert old.pk != kept.pk


def test_the_visit_period_follows_its_setting():
    assert WEBSITE_VISITS.period == timedelta(days=90)


@pytest.mark.django_db
def test_the_preview_shows_the_day_feedback_goes():
    FeedbackFactory(received_at=at(2024, 2, 29, 9))
    FeedbackFactory(received_at=at(2024, 3, 1, 9))
    result = preview(FEEDBACK_5_YEARS, now=at(2029, 2, 27, 12), days=3)
    by_day = {day.day: day.rows for day in result.days}
    assert by_day[date(2029, 3, 1)] == 1
    assert by_day[date(2029, 3, 2)] == 1
    assert result.overdue == 0
