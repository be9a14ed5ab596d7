"""The access log: who looked at, exported or downloaded whose data, when and why.

An entry holds ids only, never the personal data itself. Rows are append-only in the database:
a trigger refuses UPDATE and DELETE unless erasure or retention lifts it for the person's rows
(`AccessLogEntry.objects.erase_for`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pgtrigger
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.actors import actor_pair, exactly_one_actor, split_actor

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
            # "Who looked at this person": the privacy officer's filter and erasure.
            models.Index(fields=["subject_type", "subject_id", "-at"], name="accesslog_subject"),
            # "What did this user look at".
            models.Index(fields=["user", "-at"], name="accesslog_user"),
            # Entries about a deleted row (a recording), removed with it by retention.
            models.Index(fields=["object_type", "object_id"], name="accesslog_object"),
        ]
        triggers = [
            pgtrigger.Protect(name=PROTECT_TRIGGER, operation=pgtrigger.Update | pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.get_action_display()}"

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
    ) -> AccessLogEntry:
        """Write one entry attributed to a staff user or an API client."""
        user, api_client = split_actor(actor)
        return cls.objects.create(
            user=user,
            api_client=api_client,
            action=action,
            purpose=purpose,
            subject_type=ContentType.objects.get_for_model(subject),
            subject_id=subject.pk,
            object_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
            object_id=obj.pk if obj is not None else None,
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
