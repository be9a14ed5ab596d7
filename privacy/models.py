"""What the retention engine records (every run, the stored files still to be deleted), the
proof of erasures, and restrictions of processing (GDPR Art. 18), a right of the person."""

from __future__ import annotations

import pghistory
import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.formatting import local_stamp

MAX_RECORDED_MESSAGES = 50

# The runs and file queues that are not a retention policy of their own.
ORPHAN_SWEEP = "orphan-files"
ERASURE_QUEUE = "erasure"
_OTHER_RUNS = {
    ORPHAN_SWEEP: _("Stored files no row refers to"),
    ERASURE_QUEUE: _("Files of erased people"),
}


def policy_title(name: str) -> str:
    """A retention policy's (or the orphan sweep's) name for people, never its code."""
    if name in _OTHER_RUNS:
        return str(_OTHER_RUNS[name])
    # The policies are registered in privacy.declarations, above this module in the chain
    # (tests/privacy/test_chain.py): asked through the app, not imported.
    from django.apps import apps

    return apps.get_app_config("privacy").policy_display_name(name)


def policy_choices(names: list[str]) -> list[tuple[str, str]]:
    """(code, name) pairs for a filter, sorted by the name people read."""
    return sorted(((name, policy_title(name)) for name in names), key=lambda pair: pair[1])


class RunStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Finished with errors")
    INTERRUPTED = "interrupted", _("Interrupted")


class RetentionRun(models.Model):
    """One run of one retention policy (or of the orphan-file sweep), with what it removed.

    The counts are updated in the same transaction as each batch, so a run that was killed still
    shows exactly what it had committed.
    """

    policy = models.CharField(_("policy"), max_length=100)
    status = models.CharField(
        _("status"), max_length=20, choices=RunStatus.choices, default=RunStatus.RUNNING
    )
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # When the last batch committed: every due row was gone; the files of the last batches may
    # still have been going (the run finishes when they are gone too).
    rows_finished_at = models.DateTimeField(_("rows handled"), null=True, blank=True)
    rows = models.PositiveBigIntegerField(_("rows"), default=0)
    files = models.PositiveBigIntegerField(_("files deleted"), default=0)
    errors = models.PositiveIntegerField(_("errors"), default=0)
    # People erased whole because the run removed their last reason to be in the register.
    people = models.PositiveIntegerField(_("people erased"), default=0)
    missing_files = models.PositiveIntegerField(_("rows whose file is missing"), default=0)
    messages = models.TextField(_("messages"), blank=True)

    class Meta:
        verbose_name = _("retention run")
        verbose_name_plural = _("retention runs")
        ordering = ["-started_at", "-pk"]
        indexes = [
            # The admin's list by policy, newest first, and the check for a policy's stale runs.
            models.Index(fields=["policy", "-started_at"], name="retentionrun_policy"),
        ]
        constraints = [
            models.CheckConstraint(
                name="retentionrun_finished_after_start",
                condition=models.Q(finished_at__isnull=True)
                | models.Q(finished_at__gte=models.F("started_at")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy_title} {local_stamp(self.started_at)}"

    @property
    def policy_title(self) -> str:
        return policy_title(self.policy)

    @property
    def duration(self) -> float | None:
        """Return the run's length in seconds, if it has finished."""
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()

    @property
    def message_list(self) -> list[str]:
        return [line for line in self.messages.splitlines() if line]


class PendingFileDeletionQuerySet(models.QuerySet):
    def for_policy(self, name: str) -> PendingFileDeletionQuerySet:
        return self.filter(policy=name)


class PendingFileDeletion(models.Model):
    """A stored file whose row is gone and which is still to be deleted.

    Written in the same transaction that deletes the row, and removed once the file is gone, so a
    run that is killed, or a storage that refuses, leaves a note the next run acts on.
    """

    policy = models.CharField(_("policy"), max_length=100)
    # "app_label.model.field": which field's storage holds the file.
    field = models.CharField(_("field"), max_length=200)
    storage_name = models.CharField(_("stored file"), max_length=255)
    queued_at = models.DateTimeField(_("queued"), default=timezone.now)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    objects = PendingFileDeletionQuerySet.as_manager()

    class Meta:
        verbose_name = _("file awaiting deletion")
        verbose_name_plural = _("files awaiting deletion")
        ordering = ["pk"]
        indexes = [
            # A run works through its policy's queue in id order.
            models.Index(fields=["policy", "id"], name="pendingfile_policy"),
        ]

    def __str__(self) -> str:
        return self.storage_name


class ErasureReason(models.TextChoices):
    RETENTION = "retention", _("Retention: no reason left to keep the person")
    REQUEST = "request", _("The person's request (GDPR Art. 17)")
    RESTORE = "restore", _("Erased again after a restore from backup")


ERASURE_RECORD_PROTECT_TRIGGER = "erasurerecord_unchanged"


class ErasureRecord(models.Model):
    """The proof that a person was erased: when, why, by whom, and how many rows of each model.

    It holds nothing about the person (no id, no name): only the counts, the reason and the
    staff user or API client who ran it (neither for an automatic run). Never changed.
    """

    erased_at = models.DateTimeField(_("erased"), default=timezone.now)
    reason = models.CharField(_("reason"), max_length=20, choices=ErasureReason.choices)
    # The retention run or the request reference; never the person's own data.
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("erased by"),
    )
    erased_by_client = models.ForeignKey(
        "accounts.ApiClient",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("erased by API client"),
    )
    # {"deleted": {"app.model": n}, "anonymised": {...}, "kept": {...}, "files": n}
    counts = models.JSONField(_("rows by model"), default=dict)

    class Meta:
        verbose_name = _("erasure")
        verbose_name_plural = _("erasures")
        ordering = ["-erased_at", "-pk"]
        indexes = [
            # The admin's list, newest first.
            models.Index(fields=["-erased_at"], name="erasurerecord_at"),
        ]
        constraints = [
            models.CheckConstraint(
                name="erasurerecord_at_most_one_actor",
                condition=models.Q(erased_by__isnull=True)
                | models.Q(erased_by_client__isnull=True),
            ),
        ]
        triggers = [
            pgtrigger.Protect(
                name=ERASURE_RECORD_PROTECT_TRIGGER, operation=pgtrigger.Update | pgtrigger.Delete
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} {local_stamp(self.erased_at)}"

    def deleted(self, label: str) -> int:
        """Return how many rows of the model ("app_label.model") were deleted."""
        return self.counts.get("deleted", {}).get(label.lower(), 0)


class ErasedPerson(models.Model):
    """The internal id of a person who was erased, kept only while a backup may still hold them.

    A restore erases everyone listed here again before the register opens (privacy.backup), so
    no restore brings back a person who was erased. The id names no one in the register (the
    person's row is gone); in a backup it still points at them, so the row is deleted by the
    "erased-people-ledger" retention policy once no kept backup can be that old.
    """

    # Not a foreign key: the person's row is gone; the id is what a backup would still hold.
    person_id = models.PositiveBigIntegerField(_("internal id of the person"))
    erasure = models.ForeignKey(
        ErasureRecord, on_delete=models.PROTECT, related_name="+", verbose_name=_("erasure")
    )
    erased_at = models.DateTimeField(_("erased"), default=timezone.now)

    class Meta:
        verbose_name = _("erased person awaiting backup expiry")
        verbose_name_plural = _("erased people awaiting backup expiry")
        ordering = ["erased_at", "pk"]
        indexes = [
            # The retention policy's age scan, and a restore's list of erasures since a backup.
            models.Index(fields=["erased_at"], name="erasedperson_at"),
        ]

    def __str__(self) -> str:
        return f"#{self.person_id} {self.erased_at:%Y-%m-%d %H:%M}"


class RestrictionQuerySet(models.QuerySet):
    def in_force(self) -> RestrictionQuerySet:
        return self.filter(lifted_at__isnull=True)


@pghistory.track()
class Restriction(models.Model):
    """Restriction of processing (GDPR Art. 18), set and lifted by the privacy officer.

    While it is in force the person is left out of every outgoing path, and only the privacy
    officer may change the record.
    """

    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.CASCADE,
        related_name="restrictions",
        verbose_name=_("customer"),
    )
    reason = models.TextField(_("reason"))
    set_at = models.DateTimeField(_("set"), default=timezone.now)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("set by"),
    )
    lifted_at = models.DateTimeField(_("lifted"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("lifted by"),
    )
    lift_reason = models.TextField(_("reason for lifting"), blank=True)

    objects = RestrictionQuerySet.as_manager()

    class Meta:
        verbose_name = _("restriction of processing")
        verbose_name_plural = _("restrictions of processing")
        ordering = ["-set_at", "-pk"]
        permissions = [
            ("edit_restricted", _("Can change a customer whose processing is restricted")),
        ]
        constraints = [
            # Also the audience's anti-join.
            models.UniqueConstraint(
                fields=["customer"],
                condition=Q(lifted_at__isnull=True),
                name="restriction_one_in_force",
            ),
            models.CheckConstraint(name="restriction_has_reason", condition=~Q(reason="")),
            models.CheckConstraint(
                name="restriction_lifted_with_reason",
                condition=Q(lifted_at__isnull=True)
                | (Q(lifted_by__isnull=False) & ~Q(lift_reason="")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.set_at:%Y-%m-%d}"

    @property
    def is_in_force(self) -> bool:
        return self.lifted_at is None
