"""What feedback/ holds about people, declared once (DESIGN.md, contract 1), with the retention
policies of notice §11 (feedback 5 years) and of the website's visit data."""

from __future__ import annotations

from datetime import timedelta

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from privacy.declarations import (
    Basis,
    Category,
    Delete,
    PersonalData,
    Purpose,
    Source,
    declare,
)
from privacy.retention import RetentionPolicy

# Notice §11: "Palautteisiin liittyvät tiedot säilytetään 5 vuotta". Five calendar years from
# the day the feedback was received, counted as Finnish law counts time limits (150/1930):
# received 10.6.2024, kept through 10.6.2029, gone on 11.6.2029; received 29.2.2024, the period
# ends on 28.2.2029 (February 2029 has no 29th), gone on 1.3.2029. Its survey invitation, which
# holds the answer's metadata, goes with it (CASCADE).
FEEDBACK_5_YEARS = RetentionPolicy(
    name="feedback",
    title=_("Feedback"),
    model="feedback.Feedback",
    age_field="received_at",
    period=relativedelta(years=5),
    action=Delete(),
    batch_size=5_000,
    description=_("Feedback is deleted 5 years after it was received (notice §11)."),
)

# An invitation nobody answered is only needed for the quiet period (nobody is surveyed twice
# within it) and until it expires; then it goes. An answered one goes with its feedback.
SURVEY_INVITATIONS_UNANSWERED = RetentionPolicy(
    name="survey-invitations",
    title=_("Unanswered survey invitations"),
    model="feedback.SurveyInvitation",
    age_field="created_at",
    period=timedelta(days=max(settings.SURVEY_QUIET_DAYS, settings.SURVEY_INVITATION_TTL_DAYS)),
    action=Delete(),
    batch_size=10_000,
    scope="unanswered",
    description=_(
        "Survey invitations nobody answered are deleted when the quiet period has passed."
    ),
)

WEBSITE_VISITS = RetentionPolicy(
    name="website-visits",
    title=_("Website visits"),
    model="feedback.WebsiteVisit",
    age_field="visited_at",
    period=timedelta(days=settings.WEBSITE_VISIT_RETENTION_DAYS),
    action=Delete(),
    batch_size=20_000,
    description=_("Website visit data is deleted after its period (90 days unless configured)."),
)

declare(
    PersonalData(
        model="feedback.Feedback",
        category=Category.OWN_CONTENT,
        purposes=(Purpose.FEEDBACK,),
        # The person gives feedback for us to handle (toimeksianto); an SMS survey answer is
        # feedback given the same way. Never legitimate interest (notice §6).
        basis=Basis.MANDATE,
        sources=(Source.DATA_SUBJECT, Source.STAFF, Source.WEBSITE),
        subject_path="customer",
        retention=FEEDBACK_5_YEARS,
        erasure=Delete(),
        description="Feedback: channel, topic, text, rating, the call a survey answer is about, "
        "its handling and response.",
        contact_field="received_at",
    )
)

declare(
    PersonalData(
        model="feedback.SurveyInvitation",
        category=Category.OWN_CONTENT,
        purposes=(Purpose.FEEDBACK,),
        # A satisfaction survey after a service call is part of serving the customer (notice
        # §5); a survey ban or a restriction stops it (consents.selectors).
        basis=Basis.CONTRACT,
        sources=(Source.TELEPHONY, Source.DATA_SUBJECT),
        subject_path="customer",
        retention=SURVEY_INVITATIONS_UNANSWERED,
        erasure=Delete(),
        description="SMS survey invitations: the caller's number, the call, sending and the "
        "answer's arrival. Answered ones are deleted with their feedback.",
        keeps_person=False,
        keeps_person_reason="An invitation is no relationship; an answer keeps the person as "
        "feedback.",
    )
)

declare(
    PersonalData(
        model="feedback.WebsiteVisit",
        category=Category.WEBSITE_USE,
        purposes=(Purpose.ANALYSIS,),
        # The website sends visit data only for visitors who accepted analytics.
        basis=Basis.CONSENT,
        sources=(Source.WEBSITE,),
        subject_path="customer",
        retention=WEBSITE_VISITS,
        erasure=Delete(),
        description="Website visits: IP address, language, browser name, screen resolution, "
        "time, and the customer when a signed-in visitor is known.",
        keeps_person=False,
        keeps_person_reason="Analytics of a signed-in visit, which makes nobody a customer.",
        history=False,
        history_reason="Append-only: a visit is never changed (a trigger refuses updates), and "
        "the row names the API client that sent it; an insert event would only double it.",
    )
)
