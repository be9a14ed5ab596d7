"""The access log: who looked at, exported or downloaded whose data, when and why.

An entry holds ids only, never the personal data itself. Rows are append-only in the database:
a trigger refuses UPDATE and DELETE unless erasure or retention lifts it for the person's rows
(`AccessLogEntry.objects.erase_for`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import pgtrigger
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.actors import actor_pair, exactly_one_actor, split_actor
from accounts.formatting import local_stamp

if TYPE_CHECKING:
    from accounts.models import Actor


class AccessPurpose(models.TextChoices):
    """Why someone looked. Playback of a call recording names one of the §5 call purposes."""

    CUSTOMER_SERVICE = "customer_service", _("Customer service")
    TRAINING = "training", _("Training")
    SERVICE_LEVEL_STUDY = "service_level", _("Service-level study")
    INSTRUCTIONS = "instructions", _("Developing instructions")
    COMPLAINT = "complaint", _("Complaint investigation")
    MARKETING = "marketing", _("Marketing")
    REPORTING = "reporting", _("Reporting")
    DATA_SUBJECT_REQUEST = "dsar", _("Data-subject request")
    SUPERVISION = "supervision", _("Privacy supervision")


class AccessAction(models.TextChoices):
    VIEW = "view", _("Viewed")
    EXPORT = "export", _("Exported")
    DOWNLOAD = "download", _("Downloaded a file")
    PLAYBACK = "playback", _("Played a recording")
    # The person was one row of a list someone looked at (search results, a company's contact
    # persons, the admin's lists and history pages).
    SEARCH = "search", _("Appeared in search results")
    LIST = "list", _("Appeared in a list")


PROTECT_TRIGGER = "accesslog_append_only"


class AccessLogQuerySet(models.QuerySet):
    def about(self, subject: models.Model) -> AccessLogQuerySet:
        """Entries about one person."""
        return self.filter(
            subject_type=ContentType.objects.get_for_model(subject), subject_id=subject.pk
        )

    def erase_for(self, subject: models.Model) -> int:
        """Delete the person's entries (erasure and retention only); return how many."""
        with pgtrigger.ignore(f"audit.AccessLogEntry:{PROTECT_TRIGGER}"):
            deleted, _by_model = self.about(subject).delete()
        return deleted

    def about_objects(self, model: type[models.Model], ids: Sequence[int]) -> AccessLogQuerySet:
        """Entries about these rows of one model: as the object accessed, or as the subject
        when no person is known (an unmatched call, say)."""
        content_type = ContentType.objects.get_for_model(model)
        # One array parameter rather than an IN list: retention passes thousands of ids.
        listed = RawSQL("SELECT unnest(%s::bigint[])", [list(ids)])
        return self.filter(
            Q(object_type=content_type, object_id__in=listed)
            | Q(subject_type=content_type, subject_id__in=listed)
        )

    def erase_about_objects(self, model: type[models.Model], ids: Sequence[int]) -> int:
        """Delete the entries about these rows when they are deleted (retention and erasure
        only); return how many."""
        with pgtrigger.ignore(f"audit.AccessLogEntry:{PROTECT_TRIGGER}"):
            deleted, _by_model = self.about_objects(model, ids).delete()
        return deleted


class AccessLogEntry(models.Model):
    at = models.DateTimeField(_("time"), default=timezone.now)
    user, api_client = actor_pair(_("user"), _("API client"))
    action = models.CharField(_("action"), max_length=20, choices=AccessAction.choices)
    purpose = models.CharField(_("purpose"), max_length=20, choices=AccessPurpose.choices)
    # The data subject whose data was accessed.
    subject_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("subject type")
    )
    subject_id = models.BigIntegerField(_("subject id"))
    # What exactly was accessed, when it is not the subject's record itself (a recording, say).
    object_type = models.ForeignKey(
        ContentType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("object type"),
    )
    object_id = models.BigIntegerField(_("object id"), null=True, blank=True)
    # What kind of view it was, never what was typed: a search's kind ("name", "phone", …), or
    # the admin page ("admin-list", "admin-history").
    detail = models.CharField(_("detail"), max_length=30, blank=True, db_default="")
    # How many people a file or list held (a download of an export or a disclosure's copy).
    people = models.PositiveIntegerField(_("people"), null=True, blank=True)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(
                name="accesslog_one_actor",
                condition=exactly_one_actor("user", "api_client"),
            ),
        ]
        indexes = [
            # The retention policy deletes by age, oldest first, in batches (access-log).
            models.Index(fields=["at"], name="accesslog_at"),
            # "Who looked at this person": the privacy officer's filter and erasure.
            models.Index(fields=["subject_type", "subject_id", "-at"], name="accesslog_subject"),
            # "What did this user look at", and whom a staff account viewed in a window when a
            # breach is investigated (breaches.finding).
            # With the subject and action in the index, the breach search reads only the
            # index (bench/breach.py), not a heap row per entry.
            models.Index(
                fields=["user", "-at"],
                name="accesslog_user",
                include=["subject_type", "subject_id", "action"],
            ),
            # Whom an API client read in a window (breaches.finding): without it, a scan of
            # the whole log. Partial: most entries are staff users'.
            models.Index(
                fields=["api_client", "-at"],
                name="accesslog_api_client",
                condition=Q(api_client__isnull=False),
            ),
            # Entries about a deleted row (a recording), removed with it by retention.
            models.Index(fields=["object_type", "object_id"], name="accesslog_object"),
        ]
        triggers = [
            pgtrigger.Protect(name=PROTECT_TRIGGER, operation=pgtrigger.Update | pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return f"{local_stamp(self.at)} {self.actor} {self.get_action_display()}"

    @property
    def actor(self) -> Actor | None:
        return self.user or self.api_client

    @classmethod
    def record(
        cls,
        *,
        actor: Actor,
        action: AccessAction,
        purpose: AccessPurpose,
        subject: models.Model,
        obj: models.Model | None = None,
        detail: str = "",
        people: int | None = None,
    ) -> AccessLogEntry:
        """Write one entry attributed to a staff user or an API client."""
        entry = cls._entry(
            actor=actor, action=action, purpose=purpose, subject=subject, obj=obj, detail=detail
        )
        entry.people = people
        entry.save(force_insert=True)
        return entry

    @classmethod
    def record_many(
        cls,
        *,
        actor: Actor,
        action: AccessAction,
        purpose: AccessPurpose,
        subjects: Iterable[tuple[models.Model, models.Model | None]],
        detail: str = "",
    ) -> list[AccessLogEntry]:
        """Write one entry per (subject, object) pair in one INSERT: the people of a list."""
        return cls.objects.bulk_create(
            cls._entry(
                actor=actor, action=action, purpose=purpose, subject=subject, obj=obj, detail=detail
            )
            for subject, obj in subjects
        )

    @classmethod
    def _entry(
        cls,
        *,
        actor: Actor,
        action: AccessAction,
        purpose: AccessPurpose,
        subject: models.Model,
        obj: models.Model | None,
        detail: str,
    ) -> AccessLogEntry:
        user, api_client = split_actor(actor)
        return cls(
            user=user,
            api_client=api_client,
            action=action,
            purpose=purpose,
            subject_type=ContentType.objects.get_for_model(subject),
            subject_id=subject.pk,
            object_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
            object_id=obj.pk if obj is not None else None,
            detail=detail,
        )


def log_view(
    actor: Actor,
    subject: models.Model,
    *,
    obj: models.Model | None = None,
    purpose: AccessPurpose = AccessPurpose.CUSTOMER_SERVICE,
) -> AccessLogEntry:
    """Log that the actor looked at the person's record (or `obj` of it): the one call every
    page showing a person makes."""
    return AccessLogEntry.record(
        actor=actor, action=AccessAction.VIEW, purpose=purpose, subject=subject, obj=obj
    )


# --- The registers' shared pieces: an append-only timeline, yearly references ---------------------


def append_only(name: str) -> pgtrigger.Protect:
    """Return the trigger that keeps a table append-only: it refuses every UPDATE and DELETE
    (erasure and retention lift it by name for the rows they remove)."""
    return pgtrigger.Protect(name=name, operation=pgtrigger.Update | pgtrigger.Delete)


class TimelineEntry(models.Model):
    """One step in a register entry's life (a request, a breach): when and what, appended and
    never changed. A concrete timeline adds the entry it belongs to, its `kind` (with choices)
    and what it records of the step, and keeps its table append-only with `append_only(...)`."""

    at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        abstract = True
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline")

    def __str__(self) -> str:
        return f"{timezone.localtime(self.at):%d.%m.%Y %H.%M} {self.get_kind_display()}"


class ReferenceCounter(models.Model):
    """The last number given in a year to the references of one register (its prefix: TSP for
    requests, TSL for breaches); one row per prefix and year."""

    prefix = models.CharField(_("prefix"), max_length=10)
    year = models.PositiveSmallIntegerField(_("year"))
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("reference counter")
        verbose_name_plural = _("reference counters")
        constraints = [
            models.UniqueConstraint(fields=["prefix", "year"], name="referencecounter_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.last}"

    @classmethod
    def next_reference(cls, prefix: str, year: int) -> str:
        """Return the year's next reference, PREFIX-YYYY-NNNN. One statement that inserts or
        increments the year's row: PostgreSQL locks the row until the transaction ends, so two
        concurrent registrations never get the same number (numbers are unique, not
        necessarily gap-free: a rolled-back registration leaves a gap)."""
        table = connection.ops.quote_name(cls._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (prefix, year, last) VALUES (%s, %s, 1) "  # noqa: S608
                f"ON CONFLICT (prefix, year) DO UPDATE SET last = {table}.last + 1 "
                "RETURNING last",
                [prefix, year],
            )
            (number,) = cursor.fetchone()
        return f"{prefix}-{year}-{number:04d}"
