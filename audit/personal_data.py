"""What audit/ holds, and the audit trails of the installed third-party apps, declared once
(DESIGN.md, contracts 1 and 3)."""

from __future__ import annotations

import pghistory.core
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from privacy.declarations import RetentionPolicy, Trail, not_personal, policies, trail

# Who looked at whom: ids only. An entry goes with the person or row it is about, wherever
# that row is deleted (privacy.plan), by erasure and by retention alike.
trail(
    Trail(
        model="audit.AccessLogEntry",
        references=(("subject_type", "subject_id"), ("object_type", "object_id")),
        description="Who viewed, played or downloaded which person's data, when and why.",
    )
)
# Django's admin log copies a row's label (`object_repr`, which may hold a name or a hold's
# reason) and the changed fields' names into every entry about the row.
trail(
    Trail(
        model="admin.LogEntry",
        references=(("content_type", "object_id"),),
        text_fields=("object_repr", "change_message"),
        description="Which staff user added, changed or deleted which row in the admin.",
    )
)
not_personal(
    "pghistory.Context",
    reason="The context of tracked changes: the acting user's or API client's id, or the "
    "command's name (audit.middleware records no URL), so nothing about a customer.",
)
not_personal(
    "contenttypes.ContentType", reason="The names of the installed models, the same everywhere."
)

# The access log and the change history point at people by id: pseudonymous data, personal data
# all the same (GDPR recital 26). Kept for the security and accountability of processing (notice
# §16: access rights are monitored) for a stated period, then deleted like everything else.
ACCESS_LOG_PERIOD = policies.register(
    RetentionPolicy(
        name="access-log",
        title=_("Access log"),
        model="audit.AccessLogEntry",
        age_field="at",
        period=relativedelta(years=settings.ACCESS_LOG_RETENTION_YEARS),
        description=_(
            "Access-log entries (who viewed whose record) are deleted after the period of "
            "ACCESS_LOG_RETENTION_YEARS (notice §16)."
        ),
    )
)


def register_history_policies() -> list[RetentionPolicy]:
    """Register one policy per change-history table (every pghistory event model): its rows
    go CHANGE_HISTORY_RETENTION_YEARS after the change they record."""
    return [
        policies.register(
            RetentionPolicy(
                name=f"history-{event_model._meta.label_lower.replace('.', '-')}",
                model=event_model._meta.label,
                age_field="pgh_created_at",
                period=relativedelta(years=settings.CHANGE_HISTORY_RETENTION_YEARS),
                title=format_lazy(
                    "{}: {}",
                    _("Change history"),
                    event_model.pgh_tracked_model._meta.verbose_name_plural,
                ),
                description=_(
                    "Change history is deleted after the period of "
                    "CHANGE_HISTORY_RETENTION_YEARS (notice §16)."
                ),
            )
        )
        for event_model in pghistory.core.event_models()
    ]


HISTORY_PERIODS = register_history_policies()
not_personal(
    "audit.ReferenceCounter",
    reason="The last reference number each register (requests, breaches) gave in each year.",
)
