"""Feedback and satisfaction (notice §5, §7, §11), SMS surveys after customer-service calls, and
the website's visit data (notice §7).

Feedback is kept five calendar years from when it was received, its survey invitation with it;
an invitation nobody answered goes when the quiet period has passed; a website visit goes after
WEBSITE_VISIT_RETENTION_DAYS (the policies are in feedback/personal_data.py).
"""

from __future__ import annotations

import uuid
from datetime import datetime

import pghistory
import pgtrigger
from django.conf import settings
from django.db import connection, models
from django.db.models import Avg, Count, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

RATING_MIN = 1
RATING_MAX = 5
# A rating this low or lower is a dissatisfied customer, for the front page and the list.
LOW_RATING_MAX = 2
# How much of the feedback's text names it in lists.
SUBJECT_LENGTH = 80
VISIT_PROTECT_TRIGGER = "websitevisit_never_changed"


class FeedbackChannel(models.TextChoices):
    """How the feedback reached the register."""

    WEB_FORM = "web", _("Web form")
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")
    SMS_SURVEY = "sms_survey", _("SMS survey")
    OFFICE = "office", _("At the office")


# What staff choose from when they write down feedback someone gave them.
STAFF_CHANNELS = (FeedbackChannel.PHONE, FeedbackChannel.OFFICE, FeedbackChannel.EMAIL)
# What the website may say its feedback came through.
API_CHANNELS = (FeedbackChannel.WEB_FORM, FeedbackChannel.EMAIL)


class Topic(models.TextChoices):
    CUSTOMER_SERVICE = "customer_service", _("Customer service")
    APPOINTMENTS = "appointments", _("Appointments and booking")
    OCCUPATIONAL_HEALTH = "occupational_health", _("Occupational health services")
    BILLING = "billing", _("Invoicing and payments")
    WEBSITE = "website", _("Website and online services")
    PREMISES = "premises", _("Premises and accessibility")
    OTHER = "other", _("Other")


class FeedbackStatus(models.TextChoices):
    NEW = "new", _("New")
    IN_PROGRESS = "in_progress", _("In progress")
    HANDLED = "handled", _("Handled")


class FeedbackQuerySet(models.QuerySet):
    def new(self) -> FeedbackQuerySet:
        """Feedback nobody has started handling."""
        return self.filter(status=FeedbackStatus.NEW)

    def unhandled(self) -> FeedbackQuerySet:
        """Feedback still to handle: new or in progress."""
        return self.exclude(status=FeedbackStatus.HANDLED)

    def low_rated(self) -> FeedbackQuerySet:
        """Feedback rated 1 or 2 (dissatisfied)."""
        return self.filter(rating__lte=LOW_RATING_MAX)

    def for_listing(self) -> FeedbackQuerySet:
        """Newest first, with what the list shows, in one query."""
        return self.select_related("customer", "handled_by").order_by("-received_at", "-pk")

    def for_customer(self, customer: models.Model) -> FeedbackQuerySet:
        return (
            self.filter(customer=customer)
            .select_related("handled_by")
            .order_by("-received_at", "-pk")
        )

    def satisfaction_by(self, dimension: str) -> list[dict[str, object]]:
        """Return volume, rated volume and average rating per month, channel or topic."""
        if dimension == "month":
            grouped = self.annotate(
                key=TruncMonth("received_at", tzinfo=timezone.get_default_timezone())
            )
        else:
            grouped = self.annotate(key=models.F(dimension))
        return list(
            grouped.values("key")
            .annotate(volume=Count("pk"), rated=Count("rating"), average=Avg("rating"))
            .order_by("key")
        )


@pghistory.track()
class Feedback(models.Model):
    """One piece of feedback: from a known customer or anonymous, handled by staff."""

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        null=True,
        blank=True,
        # A person's feedback goes through erasure, never as a side effect of deleting them.
        on_delete=models.PROTECT,
        related_name="feedback",
    )
    channel = models.CharField(_("channel"), max_length=20, choices=FeedbackChannel.choices)
    topic = models.CharField(_("topic"), max_length=30, choices=Topic.choices)
    text = models.TextField(_("feedback"), blank=True)
    rating = models.PositiveSmallIntegerField(
        _("rating"),
        null=True,
        blank=True,
        help_text=_("1 = very dissatisfied, 5 = very satisfied."),
    )
    # The call a survey answer is about. Recordings go after 30 days, feedback stays 5 years.
    call = models.ForeignKey(
        "calls.CallRecording",
        verbose_name=_("call"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="feedback",
    )
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=20, choices=FeedbackStatus.choices, default=FeedbackStatus.NEW
    )
    response = models.TextField(
        _("response"),
        blank=True,
        help_text=_("What was answered or done. Visible to staff only."),
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    handled_at = models.DateTimeField(_("handled"), null=True, blank=True)

    objects = FeedbackQuerySet.as_manager()

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        ordering = ["-received_at", "-pk"]
        permissions = [("view_satisfaction_report", _("Can see the satisfaction report"))]
        indexes = [
            # The list (newest first), the monthly report and the retention policy.
            models.Index(fields=["-received_at"], name="feedback_received"),
            # A person's feedback on the customer page.
            models.Index(fields=["customer", "-received_at"], name="feedback_customer"),
            # The list filtered to what still needs handling.
            models.Index(
                fields=["status", "-received_at"],
                name="feedback_open",
                condition=~Q(status="handled"),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                name="feedback_rating_1_to_5",
                condition=Q(rating__isnull=True)
                | Q(rating__gte=RATING_MIN, rating__lte=RATING_MAX),
            ),
            models.CheckConstraint(
                name="feedback_has_content", condition=~Q(text="") | Q(rating__isnull=False)
            ),
            models.CheckConstraint(
                name="feedback_handled_is_complete",
                condition=(
                    Q(status="handled", handled_at__isnull=False, handled_by__isnull=False)
                    & ~Q(response="")
                )
                | (~Q(status="handled") & Q(handled_at__isnull=True, handled_by__isnull=True)),
            ),
        ]

    def __str__(self) -> str:
        received = timezone.localtime(self.received_at)
        return f"{self.get_topic_display()} {received:%d.%m.%Y}"

    @property
    def is_handled(self) -> bool:
        return self.status == FeedbackStatus.HANDLED

    @property
    def is_low_rated(self) -> bool:
        return self.rating is not None and self.rating <= LOW_RATING_MAX

    @property
    def subject(self) -> str:
        """Return what the feedback is about, in a line: the start of its text, or its topic
        when it has only a rating."""
        text = " ".join(self.text.split())
        if not text:
            return str(self.get_topic_display())
        return Truncator(text).chars(SUBJECT_LENGTH)


# --- SMS surveys ----------------------------------------------------------------------------------


class InvitationStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    ANSWERED = "answered", _("Answered")
    EXPIRED = "expired", _("Expired")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


# An invitation on its way or sent means the person was surveyed (for the quiet period); one
# that failed, was cancelled or expired before it was sent does not.
SURVEYED = Q(
    status__in=[
        InvitationStatus.QUEUED,
        InvitationStatus.SENDING,
        InvitationStatus.SENT,
        InvitationStatus.ANSWERED,
    ]
) | Q(status=InvitationStatus.EXPIRED, sent_at__isnull=False)


class SurveyInvitationQuerySet(models.QuerySet):
    def surveyed_since(
        self, moment: datetime, *, phone: str, customer_id: int | None
    ) -> SurveyInvitationQuerySet:
        """Invitations to this number or this person since `moment` (the quiet period)."""
        who = Q(phone=phone)
        if customer_id is not None:
            who |= Q(customer_id=customer_id)
        return self.filter(who, SURVEYED, created_at__gte=moment)

    def unanswered(self) -> SurveyInvitationQuerySet:
        """Invitations no feedback came of (their retention policy's scope); an answered one
        goes with its feedback."""
        return self.filter(feedback__isnull=True)


@pghistory.track()
class SurveyInvitation(models.Model):
    """One SMS survey invitation after a customer-service call, and its answer.

    Sending claims the row with a conditional UPDATE (queued → sending), so two workers never
    send it both; the gateway also gets `idempotency_key`, so a retry after a lost response is
    not sent again by the gateway either.
    """

    call = models.ForeignKey(
        "calls.CallRecording",
        verbose_name=_("call"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="survey_invitations",
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="survey_invitations",
    )
    phone = PhoneNumberField(_("phone number"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=InvitationStatus.choices,
        default=InvitationStatus.QUEUED,
    )
    idempotency_key = models.UUIDField(
        _("idempotency key"), default=uuid.uuid4, unique=True, editable=False
    )
    created_at = models.DateTimeField(_("queued"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    claimed_at = models.DateTimeField(_("sending started"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    gateway_message_id = models.CharField(_("gateway message id"), max_length=100, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    # The answer becomes feedback; deleting the feedback (retention, erasure) deletes this too.
    feedback = models.OneToOneField(
        Feedback,
        verbose_name=_("feedback"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="survey_invitation",
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answer_message_id = models.CharField(_("answer message id"), max_length=100, blank=True)

    objects = SurveyInvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The quiet period: was this number or this person surveyed lately?
            models.Index(fields=["phone", "-created_at"], name="surveyinv_phone"),
            models.Index(fields=["customer", "-created_at"], name="surveyinv_customer"),
            # The retention policy and the sweep of stuck invitations.
            models.Index(fields=["created_at"], name="surveyinv_created"),
        ]
        constraints = [
            models.CheckConstraint(
                name="surveyinv_expires_after_created",
                condition=Q(expires_at__gt=models.F("created_at")),
            ),
            models.CheckConstraint(
                name="surveyinv_sent_has_message_id",
                condition=~Q(status__in=["sent", "answered"]) | ~Q(gateway_message_id=""),
            ),
            models.CheckConstraint(
                name="surveyinv_answered_has_feedback",
                condition=~Q(status="answered")
                | Q(feedback__isnull=False, answered_at__isnull=False),
            ),
            # A gateway retrying its delivery of an answer never makes a second feedback.
            models.UniqueConstraint(
                fields=["answer_message_id"],
                condition=~Q(answer_message_id=""),
                name="surveyinv_answer_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_status_display()} {timezone.localtime(self.created_at):%d.%m.%Y %H.%M}"

    def is_expired(self, now: datetime | None = None) -> bool:
        return self.expires_at <= (now or timezone.now())


# --- Website visits -------------------------------------------------------------------------------


class WebsiteVisitQuerySet(models.QuerySet):
    def insert_batch(self, rows: list[dict], *, received_from: int) -> int:
        """Insert validated visits (dicts of the model's field values) with one statement of
        one array per column: no model instance and no parameter per row, so a batch of 500
        costs little more than one visit. Return how many."""
        opts = self.model._meta
        columns = [
            "visited_at",
            "ip_address",
            "language",
            "browser",
            "screen_resolution",
            "customer",
            "consent",
            "received_from",
        ]
        names = ", ".join(connection.ops.quote_name(opts.get_field(c).column) for c in columns)
        table = connection.ops.quote_name(opts.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({names}) "  # noqa: S608 (names from model metadata)
                "SELECT v, ip::inet, lang, browser, res, customer, consent, %s FROM unnest("
                "%s::timestamptz[], %s::text[], %s::text[], %s::text[], %s::text[], %s::bigint[],"
                " %s::bigint[]) AS batch (v, ip, lang, browser, res, customer, consent)",
                [
                    received_from,
                    [row["visited_at"] for row in rows],
                    [row["ip_address"] for row in rows],
                    [row["language"] for row in rows],
                    [row["browser"] for row in rows],
                    [row["screen_resolution"] for row in rows],
                    [row.get("customer_id") for row in rows],
                    [row["consent_id"] for row in rows],
                ],
            )
            return cursor.rowcount


class WebsiteVisit(models.Model):
    """One page view on the website (notice §7): IP address, language, browser name and screen
    resolution, the customer when a signed-in visitor is known, and the visitor's analytics
    consent it was collected under (withdrawing the consent deletes it)."""

    visited_at = models.DateTimeField(_("time"))
    ip_address = models.GenericIPAddressField(_("IP address"))
    language = models.CharField(_("language"), max_length=35, blank=True)
    browser = models.CharField(_("browser"), max_length=50, blank=True)
    screen_resolution = models.CharField(_("screen resolution"), max_length=11, blank=True)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="website_visits",
        db_index=False,  # the partial index below: most visits name nobody
    )
    # Collected under this consent in force (notice §7, §13); its withdrawal deletes the visit,
    # and so does deleting the consent's record (erasure of a signed-in visitor): no visit
    # outlives the record of the consent it rests on. Indexed (the FK's own index): the
    # withdrawal finds the visits collected under it.
    consent = models.ForeignKey(
        "consents.AnalyticsConsent",
        verbose_name=_("analytics consent"),
        on_delete=models.CASCADE,
        related_name="visits",
    )
    # Who sent it: attribution without a history table (the row is never changed). Not
    # indexed: nothing looks visits up by client, and every index costs each insert.
    received_from = models.ForeignKey(
        "accounts.ApiClient",
        verbose_name=_("API client"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )

    objects = WebsiteVisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("website visit")
        verbose_name_plural = _("website visits")
        ordering = ["-visited_at", "-pk"]
        indexes = [
            # The retention policy selects and pages through visits by time.
            models.Index(fields=["visited_at"], name="websitevisit_time"),
            # Erasure and access requests: a person's visits.
            models.Index(
                fields=["customer"],
                name="websitevisit_customer",
                condition=Q(customer__isnull=False),
            ),
        ]
        triggers = [
            # Visits are never changed: this is why they have no change history of their own
            # (feedback/personal_data.py). Deletion (retention, erasure) is not affected.
            pgtrigger.Protect(name=VISIT_PROTECT_TRIGGER, operation=pgtrigger.Update),
        ]

    def __str__(self) -> str:
        return f"{self.ip_address} {timezone.localtime(self.visited_at):%d.%m.%Y %H.%M}"
