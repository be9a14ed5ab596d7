"""Written data-subject requests (notice §12, GDPR Art. 12-22): the register of requests, their
identity check, deadline, pauses, timeline, scanned documents and letters.

The workflow's rules live here and in dsar/services.py: a request moves only along TRANSITIONS
(refused otherwise), no action starts before the requester's identity is verified
(`DataSubjectRequest.require_identity`), and the timeline is append-only in the database.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from pathlib import PurePath

import pghistory
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

import audit.models
from audit.models import append_only
from dsar.deadlines import MAX_EXTENSION_MONTHS, due_date

TIMELINE_PROTECT_TRIGGER = "timelineentry_append_only"
REFERENCE_PREFIX = "TSP"


class RequestType(models.TextChoices):
    ACCESS = "access", _("Access")
    RECTIFICATION = "rectification", _("Rectification")
    ERASURE = "erasure", _("Erasure")
    RESTRICTION = "restriction", _("Restriction of processing")
    PORTABILITY = "portability", _("Data portability")
    OBJECTION = "objection", _("Objection")
    CONSENT_WITHDRAWAL = "consent_withdrawal", _("Withdrawal of consent")


class Channel(models.TextChoices):
    """How the written request reached the company. A phone call is no request (notice §12)."""

    LETTER = "letter", _("Letter")
    OFFICE = "office", _("Handed in at the office")
    EMAIL = "email", _("Email")
    WEBSITE = "website", _("Website form")


class Language(models.TextChoices):
    FINNISH = "fi", _("Finnish")
    ENGLISH = "en", _("English")


class State(models.TextChoices):
    RECEIVED = "received", _("Received")
    IDENTITY_CHECK = "identity_check", _("Identity check")
    IN_PROGRESS = "in_progress", _("In progress")
    EXTENDED = "extended", _("Extended")
    COMPLETED = "completed", _("Completed")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


CLOSED_STATES = (State.COMPLETED, State.REJECTED, State.WITHDRAWN)
OPEN_STATES = tuple(s for s in State if s not in CLOSED_STATES)

# The only moves a request can make (GDPR Art. 12: identity, then the answer within the
# deadline). A request that cannot be identified or is manifestly unfounded is rejected; the
# requester may withdraw at any time before it closes.
TRANSITIONS: dict[str, frozenset[str]] = {
    State.RECEIVED: frozenset({State.IDENTITY_CHECK, State.REJECTED, State.WITHDRAWN}),
    State.IDENTITY_CHECK: frozenset({State.IN_PROGRESS, State.REJECTED, State.WITHDRAWN}),
    State.IN_PROGRESS: frozenset(
        {State.EXTENDED, State.COMPLETED, State.REJECTED, State.WITHDRAWN}
    ),
    State.EXTENDED: frozenset({State.COMPLETED, State.REJECTED, State.WITHDRAWN}),
    State.COMPLETED: frozenset(),
    State.REJECTED: frozenset(),
    State.WITHDRAWN: frozenset(),
}


class IdentityMethod(models.TextChoices):
    """How the requester's identity was verified. The fact is kept, never a copy of the
    document and never a personal identity code."""

    ID_DOCUMENT = "id_document", _("Identity card or passport seen at the office")
    STRONG_EID = "strong_eid", _("Strong electronic identification")
    SIGNED_LETTER = "signed_letter", _("Signed letter matching the registered address")
    OTHER = "other", _("Other (explain)")


class WorkflowError(ValidationError):
    """A step the workflow does not allow; the message says why, in the user's language."""


class DataSubjectRequestQuerySet(models.QuerySet):
    def open(self) -> DataSubjectRequestQuerySet:
        return self.filter(state__in=OPEN_STATES)

    def closed(self) -> DataSubjectRequestQuerySet:
        """Closed requests (their retention policy's scope)."""
        return self.filter(state__in=CLOSED_STATES)

    def due_within(self, days: int, *, today: date | None = None) -> DataSubjectRequestQuerySet:
        """Open, running (not paused) requests due within `days` days, or overdue."""
        today = today or timezone.localdate()
        return self.open().filter(paused=False, due_on__lte=today + timedelta(days=days))

    def overdue(self, *, today: date | None = None) -> DataSubjectRequestQuerySet:
        today = today or timezone.localdate()
        return self.open().filter(due_on__lt=today)


def document_path(instance: RequestDocument, filename: str) -> str:
    """Store under a random name: the person's name never becomes a file name."""
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"dsar/documents/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


def letter_path(instance: RequestLetter, filename: str) -> str:
    return f"dsar/letters/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.pdf"


@pghistory.track()
class DataSubjectRequest(models.Model):
    """One written request of a data subject, from receipt to its answer."""

    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    types = ArrayField(
        models.CharField(max_length=20, choices=RequestType.choices),
        verbose_name=_("what is asked"),
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    language = models.CharField(
        _("language of the answer"),
        max_length=2,
        choices=Language.choices,
        default=Language.FINNISH,
    )
    # The requester as they wrote it; the customer is matched by the privacy officer.
    requester_name = models.CharField(_("requester's name"), max_length=200)
    requester_address = models.TextField(_("requester's address"), blank=True)
    requester_email = models.EmailField(_("requester's email"), blank=True)
    requester_phone = models.CharField(_("requester's phone"), max_length=40, blank=True)
    request_text = models.TextField(
        _("the request in the requester's words"),
        blank=True,
        help_text=_("What they asked, as they wrote it. Never a personal identity code."),
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        null=True,
        blank=True,
        # Erasure of the person keeps the request (accountability) and unlinks it.
        on_delete=models.SET_NULL,
        related_name="data_subject_requests",
    )
    not_in_register = models.BooleanField(
        _("not in the register"),
        default=False,
        help_text=_("Searched the register and found no one: the answer says so."),
    )
    received_on = models.DateField(
        _("received"), help_text=_("The day it reached the company (a letter's arrival date).")
    )
    registered_at = models.DateTimeField(_("registered"), default=timezone.now, editable=False)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    registered_by_client = models.ForeignKey(
        "accounts.ApiClient",
        verbose_name=_("registered by API client"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    idempotency_key = models.CharField(max_length=100, blank=True, editable=False)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handler"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.RECEIVED, editable=False
    )
    identity_method = models.CharField(
        _("identity verified by"),
        max_length=20,
        choices=IdentityMethod.choices,
        blank=True,
        editable=False,
    )
    identity_note = models.CharField(_("identity note"), max_length=300, blank=True, editable=False)
    identity_verified_at = models.DateTimeField(
        _("identity verified"), null=True, blank=True, editable=False
    )
    identity_verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("identity verified by (staff)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    extension_months = models.PositiveSmallIntegerField(
        _("extension (months)"), default=0, editable=False
    )
    extension_reason = models.TextField(_("reasons for the extension"), blank=True, editable=False)
    paused = models.BooleanField(_("paused"), default=False, editable=False)
    paused_days = models.PositiveIntegerField(_("paused days"), default=0, editable=False)
    due_on = models.DateField(_("due"), editable=False)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True, editable=False)
    outcome_reason = models.TextField(_("reason"), blank=True, editable=False)

    objects = DataSubjectRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("data-subject request")
        verbose_name_plural = _("data-subject requests")
        ordering = ["-received_on", "-pk"]
        permissions = [
            ("log_request", _("Can log a request handed in at the office")),
            ("view_request_status", _("Can see a customer's requests and their due dates")),
            ("download_requestfile", _("Can download a request's documents and letters")),
        ]
        indexes = [
            # The open list by due date, the reminder job and the "overdue" filter.
            models.Index(
                fields=["due_on"],
                name="dsar_open_due",
                condition=Q(state__in=[s.value for s in OPEN_STATES]),
            ),
            # The retention policy: closed requests by closing time.
            models.Index(
                fields=["closed_at"], name="dsar_closed_at", condition=Q(closed_at__isnull=False)
            ),
            # A person's requests on the customer page.
            models.Index(fields=["customer", "-received_on"], name="dsar_customer"),
        ]
        constraints = [
            models.CheckConstraint(name="dsar_has_type", condition=Q(types__len__gt=0)),
            models.CheckConstraint(
                name="dsar_extension_at_most_two_months",
                condition=Q(extension_months__lte=MAX_EXTENSION_MONTHS),
            ),
            models.CheckConstraint(
                name="dsar_closed_iff_closed_state",
                condition=Q(state__in=[s.value for s in CLOSED_STATES], closed_at__isnull=False)
                | (~Q(state__in=[s.value for s in CLOSED_STATES]) & Q(closed_at__isnull=True)),
            ),
            models.CheckConstraint(
                name="dsar_identity_is_complete",
                condition=Q(identity_method="", identity_verified_at__isnull=True)
                | (~Q(identity_method="") & Q(identity_verified_at__isnull=False)),
            ),
            models.CheckConstraint(
                name="dsar_in_progress_needs_identity",
                condition=~Q(state__in=["in_progress", "extended", "completed"])
                | Q(identity_verified_at__isnull=False),
            ),
            models.CheckConstraint(
                name="dsar_rejection_has_reason",
                condition=~Q(state="rejected") | ~Q(outcome_reason=""),
            ),
            models.CheckConstraint(
                name="dsar_customer_or_not_in_register",
                condition=Q(customer__isnull=True) | Q(not_in_register=False),
            ),
            # A website retrying its post makes one request (per API client).
            models.UniqueConstraint(
                fields=["registered_by_client", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="dsar_idempotency_key",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def identity_verified(self) -> bool:
        return self.identity_verified_at is not None

    def type_labels(self) -> str:
        labels = dict(RequestType.choices)
        return ", ".join(str(labels.get(t, t)) for t in self.types)

    def compute_due_on(self) -> date:
        return due_date(
            self.received_on,
            extension_months=self.extension_months,
            paused_days=self.paused_days,
        )

    def first_month_due_on(self) -> date:
        """The deadline without an extension (pauses counted): an extension is decided before it."""
        return due_date(self.received_on, paused_days=self.paused_days)

    def days_left(self, today: date | None = None) -> int:
        return (self.due_on - (today or timezone.localdate())).days

    def can_move_to(self, state: str) -> bool:
        return state in TRANSITIONS[self.state]

    def check_transition(self, state: str) -> None:
        """Raise WorkflowError unless the request may move to `state` now."""
        if not self.can_move_to(state):
            raise WorkflowError(
                _("A request that is %(current)s cannot become %(target)s.")
                % {
                    "current": State(self.state).label.lower(),
                    "target": State(state).label.lower(),
                }
            )
        if state in (State.IN_PROGRESS, State.EXTENDED, State.COMPLETED):
            self.require_identity()

    def require_identity(self) -> None:
        """Raise WorkflowError unless the requester's identity has been verified: no action of
        a request may start before that (GDPR Art. 12(6))."""
        if not self.identity_verified:
            raise WorkflowError(_("Verify the requester's identity first."))

    def require_open(self) -> None:
        if not self.is_open:
            raise WorkflowError(_("The request is closed."))


class PauseReason(models.TextChoices):
    IDENTITY = "identity", _("Waiting for proof of identity")
    CLARIFICATION = "clarification", _("Waiting for a clarification of the request")


@pghistory.track()
class RequestPause(models.Model):
    """A time the deadline's clock stood still, from one day to another."""

    request = models.ForeignKey(
        DataSubjectRequest,
        verbose_name=_("request"),
        on_delete=models.CASCADE,
        related_name="pauses",
    )
    reason = models.CharField(_("reason"), max_length=20, choices=PauseReason.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    started_on = models.DateField(_("paused from"))
    ended_on = models.DateField(_("resumed on"), null=True, blank=True)

    class Meta:
        verbose_name = _("pause")
        verbose_name_plural = _("pauses")
        ordering = ["started_on", "pk"]
        constraints = [
            models.CheckConstraint(
                name="dsarpause_ends_after_start",
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
            ),
            models.UniqueConstraint(
                fields=["request"],
                condition=Q(ended_on__isnull=True),
                name="dsarpause_one_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} {self.started_on:%d.%m.%Y}"

    @property
    def days(self) -> int:
        return (self.ended_on - self.started_on).days if self.ended_on else 0


class TimelineKind(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    WARNING = "warning", _("Warning")
    STATE = "state", _("State changed")
    IDENTITY = "identity", _("Identity verified")
    PAUSE = "pause", _("Paused")
    RESUME = "resume", _("Resumed")
    EXTENSION = "extension", _("Extended")
    NOTE = "note", _("Note")
    DOCUMENT = "document", _("Document added")
    LETTER = "letter", _("Letter created")
    LETTER_SENT = "letter_sent", _("Letter sent")
    ACTION = "action", _("Action")


class TimelineEntry(audit.models.TimelineEntry):
    """One step of a request: who did what and when. Never changed, never deleted (except with
    the request by its retention policy); a trigger refuses both."""

    request = models.ForeignKey(
        DataSubjectRequest,
        verbose_name=_("request"),
        on_delete=models.CASCADE,
        related_name="timeline",
    )
    kind = models.CharField(_("what"), max_length=20, choices=TimelineKind.choices)
    text = models.TextField(_("text"), blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    api_client = models.ForeignKey(
        "accounts.ApiClient",
        verbose_name=_("API client"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta(audit.models.TimelineEntry.Meta):
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["request", "-at"], name="dsartimeline_request")]
        triggers = [append_only(TIMELINE_PROTECT_TRIGGER)]

    @property
    def actor(self) -> object:
        return self.user or self.api_client


@pghistory.track()
class RequestDocument(models.Model):
    """A scanned document of the request (the letter, a form): PDF, JPEG or PNG, stored
    privately and only downloaded through a logged, permission-checked view."""

    request = models.ForeignKey(
        DataSubjectRequest,
        verbose_name=_("request"),
        on_delete=models.CASCADE,
        related_name="documents",
    )
    file = models.FileField(_("file"), upload_to=document_path, max_length=255)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=50)
    size = models.PositiveIntegerField(_("size (bytes)"))
    description = models.CharField(_("description"), max_length=200, blank=True)
    uploaded_at = models.DateTimeField(_("added"), default=timezone.now)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self) -> str:
        return self.original_name


class LetterKind(models.TextChoices):
    ACKNOWLEDGEMENT = "acknowledgement", _("Acknowledgement")
    IDENTIFICATION = "identification", _("Request for identification")
    CLARIFICATION = "clarification", _("Request for clarification")
    EXTENSION = "extension", _("Extension notice")
    COMPLETION = "completion", _("Completion")
    REJECTION = "rejection", _("Rejection")
    RESTRICTION_LIFT = "restriction_lift", _("Notice of lifting the restriction")


class SendMethod(models.TextChoices):
    POST = "post", _("Post")
    EMAIL = "email", _("Email")
    HANDED = "handed", _("Handed over")


@pghistory.track()
class RequestLetter(models.Model):
    """A letter of the request, rendered to PDF from its template and stored with it."""

    request = models.ForeignKey(
        DataSubjectRequest,
        verbose_name=_("request"),
        on_delete=models.CASCADE,
        related_name="letters",
    )
    kind = models.CharField(_("letter"), max_length=20, choices=LetterKind.choices)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    file = models.FileField(_("PDF"), upload_to=letter_path, max_length=255)
    granted_in_full = models.BooleanField(_("request granted in full"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    sent_on = models.DateField(_("sent"), null=True, blank=True)
    sent_method = models.CharField(
        _("sent by"), max_length=10, choices=SendMethod.choices, blank=True
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("marked sent by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("letter")
        verbose_name_plural = _("letters")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                name="dsarletter_sent_is_complete",
                condition=Q(sent_on__isnull=True, sent_method="")
                | (Q(sent_on__isnull=False) & ~Q(sent_method="")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {timezone.localtime(self.created_at):%d.%m.%Y}"


# --- Access package (GDPR Art. 15) ---------------------------------------------------------------


class PackageStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    BUILDING = "building", _("Building")
    READY = "ready", _("Ready for review")
    RELEASED = "released", _("Released")
    FAILED = "failed", _("Failed")


def package_path(instance: AccessPackage, filename: str) -> str:
    return f"dsar/packages/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.zip"


@pghistory.track()
class AccessPackage(models.Model):
    """The copy of a person's data an access request gives them (GDPR Art. 15): built from the
    personal-data declarations by a job, reviewed, then released. Deleted 30 days after its
    request closes."""

    request = models.ForeignKey(
        DataSubjectRequest,
        verbose_name=_("request"),
        on_delete=models.CASCADE,
        related_name="packages",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=PackageStatus.choices, default=PackageStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    file = models.FileField(_("package"), upload_to=package_path, blank=True, max_length=255)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    files = models.PositiveIntegerField(_("files"), default=0)
    error = models.CharField(_("error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    built_at = models.DateTimeField(_("built"), null=True, blank=True)
    released_at = models.DateTimeField(_("released"), null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("released by"),
    )
    # Copied from the request when it closes: the package's retention counts from it.
    request_closed_at = models.DateTimeField(
        _("request closed"), null=True, blank=True, db_index=True
    )

    class Meta:
        verbose_name = _("access package")
        verbose_name_plural = _("access packages")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                name="dsarpackage_progress_percent", condition=Q(progress__lte=100)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request.reference} ({self.get_status_display()})"


@pghistory.track()
class WithheldItem(models.Model):
    """An item the privacy officer left out of an access package, with the reason (another
    person's data, GDPR Art. 15(4))."""

    package = models.ForeignKey(
        AccessPackage, verbose_name=_("package"), on_delete=models.CASCADE, related_name="withheld"
    )
    # "app_label.model#pk": the row (and its files) left out.
    item = models.CharField(_("item"), max_length=120)
    reason = models.TextField(_("reason"))
    withheld_at = models.DateTimeField(_("withheld"), default=timezone.now)
    withheld_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("withheld by"),
    )

    class Meta:
        verbose_name = _("withheld item")
        verbose_name_plural = _("withheld items")
        constraints = [
            models.UniqueConstraint(fields=["package", "item"], name="dsarwithheld_once"),
            models.CheckConstraint(name="dsarwithheld_has_reason", condition=~Q(reason="")),
        ]

    def __str__(self) -> str:
        return self.item


# --- Erasure (GDPR Art. 17) ----------------------------------------------------------------------


class ErasurePlan(models.Model):
    """What erasing the request's person will do (the preview), and whether it was done: per
    declared model the rows deleted, anonymised or kept, each with its reason. Counts and model
    names only, nothing about the person."""

    request = models.ForeignKey(
        DataSubjectRequest,
        verbose_name=_("request"),
        on_delete=models.CASCADE,
        related_name="erasure_plans",
    )
    # [{"model", "name", "rows", "action", "what"}] and the number of stored files.
    plan = models.JSONField(_("preview"), default=list)
    files = models.PositiveIntegerField(_("files"), default=0)
    previewed_at = models.DateTimeField(_("previewed"), default=timezone.now)
    previewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("previewed by"),
    )
    executed_at = models.DateTimeField(_("erased"), null=True, blank=True)
    erasure_record = models.ForeignKey(
        "privacy.ErasureRecord",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("erasure record"),
    )
    blocked = models.TextField(_("why the erasure was blocked"), blank=True)
    # The recipients of the person's data when the preview was made: after the erasure the
    # disclosure log no longer names the person, and Art. 19 still asks to tell them.
    recipient_ids = ArrayField(
        models.BigIntegerField(), default=list, blank=True, verbose_name=_("recipients")
    )

    class Meta:
        verbose_name = _("erasure preview")
        verbose_name_plural = _("erasure previews")
        ordering = ["-previewed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.request.reference} {timezone.localtime(self.previewed_at):%d.%m.%Y %H.%M}"

    def kept(self) -> list[dict]:
        return [item for item in self.plan if item["action"] == "keep"]

    def blockers(self) -> list[dict]:
        """Return what stood in the way of erasure when the preview was made."""
        return [item for item in self.plan if item["action"] == "block"]


# --- Telling the recipients (GDPR Art. 19) -------------------------------------------------------


class NotificationOutcome(models.TextChoices):
    SENT = "sent", _("Notified")
    IMPOSSIBLE = "impossible", _("Impossible")
    DISPROPORTIONATE = "disproportionate", _("Disproportionate effort")


@pghistory.track()
class RecipientNotification(models.Model):
    """That a recipient who received the person's data was told of the rectification, erasure
    or restriction (GDPR Art. 19), or why not. Once per recipient and request."""

    request = models.ForeignKey(
        DataSubjectRequest,
        verbose_name=_("request"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    recipient = models.ForeignKey(
        "consents.Recipient",
        verbose_name=_("recipient"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=NotificationOutcome.choices)
    sent_on = models.DateField(_("sent"), null=True, blank=True)
    method = models.CharField(_("sent by"), max_length=10, choices=SendMethod.choices, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("recipient notification")
        verbose_name_plural = _("recipient notifications")
        ordering = ["recipient__name"]
        constraints = [
            models.UniqueConstraint(fields=["request", "recipient"], name="dsarnotify_once"),
            models.CheckConstraint(
                name="dsarnotify_sent_or_reason",
                condition=(Q(outcome="sent") & Q(sent_on__isnull=False) & ~Q(method=""))
                | (~Q(outcome="sent") & ~Q(reason="")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recipient} ({self.get_outcome_display()})"


class OutcomeKind(models.TextChoices):
    DONE = "done", _("Done")
    REFUSED = "refused", _("Refused")


@pghistory.track()
class ActionOutcome(models.Model):
    """What became of one thing the request asked for: done (by its action, or marked by the
    privacy officer with a note) or refused with the reason. The request completes only when
    every type it asks for has one."""

    request = models.ForeignKey(
        DataSubjectRequest,
        verbose_name=_("request"),
        on_delete=models.CASCADE,
        related_name="outcomes",
    )
    type = models.CharField(_("what was asked"), max_length=20, choices=RequestType.choices)
    outcome = models.CharField(_("outcome"), max_length=10, choices=OutcomeKind.choices)
    note = models.TextField(_("note"), blank=True)
    decided_at = models.DateTimeField(_("decided"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
    )

    class Meta:
        verbose_name = _("outcome")
        verbose_name_plural = _("outcomes")
        ordering = ["type"]
        constraints = [
            models.UniqueConstraint(fields=["request", "type"], name="dsaroutcome_once"),
            models.CheckConstraint(
                name="dsaroutcome_refusal_has_reason",
                condition=~Q(outcome="refused") | ~Q(note=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()}: {self.get_outcome_display()}"
