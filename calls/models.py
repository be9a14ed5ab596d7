"""Customer-service call recordings (notice §5, §11): metadata here, the audio in storage.

A recording is kept 30 days (the retention policy in calls/personal_data.py) unless an open
data-subject access request holds it (RecordingHold): the person has a right to the recording
itself, so it stays until that request closes. Nothing else extends retention.
"""

from __future__ import annotations

import math
import re
import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

import pghistory
from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from audit.models import AccessAction, AccessLogEntry, AccessPurpose

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# Why a supervisor or the privacy officer may listen (notice §5); nothing else opens a recording.
LISTENING_PURPOSES = (
    AccessPurpose.TRAINING,
    AccessPurpose.SERVICE_LEVEL_STUDY,
    AccessPurpose.INSTRUCTIONS,
    AccessPurpose.COMPLAINT,
)


class Direction(models.TextChoices):
    INBOUND = "inbound", _("Inbound")
    OUTBOUND = "outbound", _("Outbound")


class CallRecordingQuerySet(models.QuerySet):
    def on_hold(self) -> CallRecordingQuerySet:
        """Recordings an open access request keeps past their period."""
        return self.filter(Exists(RecordingHold.objects.open().filter(recording=OuterRef("pk"))))

    def not_on_hold(self) -> CallRecordingQuerySet:
        """Recordings their retention policy may remove (the policy's scope)."""
        return self.filter(~Exists(RecordingHold.objects.open().filter(recording=OuterRef("pk"))))

    def with_hold(self) -> CallRecordingQuerySet:
        """Annotate `hold_reference`: the request reference of the oldest open hold, if any."""
        oldest_open = RecordingHold.objects.open().filter(recording=OuterRef("pk"))
        return self.annotate(
            hold_reference=Subquery(
                oldest_open.order_by("placed_at").values("request_reference")[:1]
            )
        )

    def for_customer(self, customer: models.Model) -> CallRecordingQuerySet:
        """A person's recordings, newest first, with their holds, in one query."""
        return self.filter(customer=customer).with_hold().order_by("-started_at", "-pk")

    def for_listing(self) -> CallRecordingQuerySet:
        """Every recording, newest first, with what the list page shows, in one query."""
        return self.select_related("customer").with_hold().order_by("-started_at", "-pk")

    def started_between(
        self, first_day: date | None = None, last_day: date | None = None
    ) -> CallRecordingQuerySet:
        """Recordings of calls started on these days (inclusive, in local time)."""
        recordings = self
        if first_day:
            recordings = recordings.filter(started_at__gte=_day_start(first_day))
        if last_day:
            recordings = recordings.filter(started_at__lt=_day_start(last_day + timedelta(days=1)))
        return recordings

    def with_number_part(self, digits: str) -> CallRecordingQuerySet:
        """Recordings whose number contains these digits, typed in any notation: a leading
        0 is the Finnish trunk prefix ("040 809" finds +35840809…), anything else is matched
        anywhere in the number."""
        digits = re.sub(r"\D", "", digits)
        if digits.startswith("00"):
            digits = digits[2:]
        elif digits.startswith("0"):
            digits = "358" + digits[1:]
        return self.filter(caller_number__contains=digits)

    def of_customer_matching(self, text: str) -> CallRecordingQuerySet:
        """Recordings of a customer named by customer number or by name: every word must
        begin the first or the last name."""
        text = text.strip()
        if text.isdigit():
            return self.filter(customer__customer_number=text)
        condition = models.Q(customer__isnull=False)
        for word in text.split():
            condition &= models.Q(customer__first_name__istartswith=word) | models.Q(
                customer__last_name__istartswith=word
            )
        return self.filter(condition)

    def unidentified(self) -> CallRecordingQuerySet:
        """Recordings no single customer was found for (withheld or unknown number)."""
        return self.filter(customer__isnull=True)


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def storage_name(extension: str, *, now: datetime | None = None) -> str:
    """Return a new server-generated storage name: the day received and a random id."""
    day = (now or timezone.now()).astimezone(UTC)
    return f"calls/{day:%Y/%m/%d}/{uuid.uuid4().hex}.{extension}"


@pghistory.track()
class CallRecording(models.Model):
    """One recorded call, as the telephony system reported it, and its audio file."""

    call_id = models.CharField(_("call id"), max_length=100, unique=True)
    caller_number = PhoneNumberField(
        _("phone number"),
        blank=True,
        help_text=_("The customer's number: who called in, or who was called. Blank if withheld."),
    )
    # Matched by the normalised number when exactly one customer has it; otherwise only the
    # number is kept. PROTECT: a person's recordings go through erasure, files included.
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="call_recordings",
    )
    agent = models.CharField(_("agent"), max_length=100, blank=True)
    queue = models.CharField(_("queue"), max_length=100, blank=True)
    direction = models.CharField(
        _("direction"), max_length=10, choices=Direction.choices, default=Direction.INBOUND
    )
    started_at = models.DateTimeField(_("call started"))
    duration_seconds = models.PositiveIntegerField(_("duration (seconds)"))
    audio = models.FileField(_("audio file"), upload_to="calls/", max_length=255)
    content_type = models.CharField(_("audio type"), max_length=50)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    # Written at intake from the retention policy, so pages show the date without knowing it.
    expires_at = models.DateTimeField(_("deleted after"))
    received_at = models.DateTimeField(_("received"), default=timezone.now, editable=False)

    objects = CallRecordingQuerySet.as_manager()

    class Meta:
        verbose_name = _("call recording")
        verbose_name_plural = _("call recordings")
        ordering = ["-started_at", "-pk"]
        permissions = [("listen_callrecording", _("Can listen to call recordings"))]
        indexes = [
            # The retention policy selects and pages through recordings by start time.
            models.Index(fields=["started_at"], name="callrecording_started"),
            # A person's calls on the customer page, newest first.
            models.Index(fields=["customer", "-started_at"], name="callrecording_customer"),
            # The list's partial-number filter (contains: "040 809" anywhere in the number).
            GinIndex(
                fields=["caller_number"],
                name="callrecording_number_trgm",
                opclasses=["gin_trgm_ops"],
            ),
        ]
        constraints = [
            models.CheckConstraint(
                name="callrecording_expires_after_start",
                condition=models.Q(expires_at__gt=models.F("started_at")),
            ),
            # Also the orphan sweep's lookup by name. Blank only once the file is gone.
            models.UniqueConstraint(
                fields=["audio"],
                condition=~models.Q(audio=""),
                name="callrecording_audio_unique",
            ),
            models.CheckConstraint(
                name="callrecording_sha256_hex",
                condition=models.Q(sha256__regex=r"^[0-9a-f]{64}$"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.call_id} ({timezone.localtime(self.started_at):%d.%m.%Y %H.%M})"

    @property
    def days_left(self) -> int:
        """Return whole days until the recording is deleted (0 when it is due now)."""
        seconds = (self.expires_at - timezone.now()).total_seconds()
        return max(0, math.ceil(seconds / 86400))

    @property
    def is_held(self) -> bool:
        """Whether an open hold keeps it; uses the `with_hold()` annotation when present."""
        if hasattr(self, "hold_reference"):
            return self.hold_reference is not None
        return self.holds.filter(released_at__isnull=True).exists()

    @property
    def duration_display(self) -> str:
        minutes, seconds = divmod(self.duration_seconds, 60)
        return f"{minutes}:{seconds:02d}"

    def access_subject(self) -> tuple[models.Model, CallRecording]:
        """Return (subject, object) of an access-log entry about this recording: the person
        when the call was matched, otherwise the recording itself, so that the entry still goes
        when the recording does."""
        return (self.customer if self.customer_id else self), self

    def start_playback(self, *, by: User, purpose: str) -> AccessLogEntry:
        """Log that `by` is about to listen, and why; refuse any purpose but the four of §5.

        The person is the subject when the call was matched; otherwise the recording itself is,
        so that the entry still goes when the recording does.
        """
        if purpose not in LISTENING_PURPOSES:
            raise ValueError(f"{purpose!r} is not a purpose for listening to a recording.")
        with transaction.atomic():
            subject, obj = self.access_subject()
            return AccessLogEntry.record(
                actor=by,
                action=AccessAction.PLAYBACK,
                purpose=AccessPurpose(purpose),
                subject=subject,
                obj=obj,
            )


class RecordingHoldQuerySet(models.QuerySet):
    def open(self) -> RecordingHoldQuerySet:
        return self.filter(released_at__isnull=True)


@pghistory.track()
class RecordingHold(models.Model):
    """Keeps one recording past its period while a data-subject access request is open.

    Placed and released by the privacy officer in the admin, citing the request; the request
    workflow will place and release it itself. Deleted with its recording.
    """

    recording = models.ForeignKey(
        CallRecording,
        verbose_name=_("call recording"),
        on_delete=models.CASCADE,
        related_name="holds",
    )
    request_reference = models.CharField(
        _("request reference"),
        max_length=50,
        help_text=_("The reference of the open access request that covers this recording."),
    )
    reason = models.TextField(
        _("reason"),
        blank=True,
        help_text=_("Why the recording is kept. Cite the request; write no other personal data."),
    )
    placed_at = models.DateTimeField(_("placed"), default=timezone.now, editable=False)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("placed by"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    released_at = models.DateTimeField(_("released"), null=True, blank=True, editable=False)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("released by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )

    objects = RecordingHoldQuerySet.as_manager()

    class Meta:
        verbose_name = _("hold")
        verbose_name_plural = _("holds")
        ordering = ["-placed_at", "-pk"]
        indexes = [
            # The retention policy's scope: is there an open hold for this recording?
            models.Index(
                fields=["recording"],
                name="recordinghold_open",
                condition=models.Q(released_at__isnull=True),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                name="recordinghold_release_is_complete",
                condition=models.Q(released_at__isnull=True, released_by__isnull=True)
                | models.Q(released_at__isnull=False, released_by__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["recording", "request_reference"],
                condition=models.Q(released_at__isnull=True),
                name="recordinghold_one_open_per_request",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request_reference}: {self.recording.call_id}"

    @property
    def is_open(self) -> bool:
        return self.released_at is None
