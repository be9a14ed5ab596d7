"""Retention runs that failed or did not happen, on the privacy officer's front page.

Retention is scheduled every hour (`enforce-retention`); a policy whose newest run started
more than `SKIPPED_AFTER` ago, or that has never run, has been skipped: beat or the workers
were down, or the policy's lock was never released. Runs that finished with errors or were
interrupted in the last `FAILED_WITHIN` are shown until they are that old.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts import work_queue
from accounts.roles import Role
from accounts.work_queue import ROWS_ON_FRONT_PAGE, QueueEntry, QueueRow, first_rows
from privacy.models import RetentionRun, RunStatus
from privacy.retention import policies

SKIPPED_AFTER = timedelta(hours=2)
FAILED_WITHIN = timedelta(days=7)


def _when(moment) -> str:
    return date_format(timezone.localtime(moment), "j.n.Y G.i")


def _failed_row(run: RetentionRun) -> QueueRow:
    return QueueRow(
        label=run.policy,
        url=reverse("admin:privacy_retentionrun_change", args=[run.pk]),
        note=gettext("%(status)s, started %(when)s, %(errors)d errors")
        % {"status": run.get_status_display(), "when": _when(run.started_at), "errors": run.errors},
        urgent=True,
    )


def skipped_policies(now=None) -> list[tuple[str, object]]:
    """Return the registered policies with no run started within SKIPPED_AFTER, with the
    start of their newest run (None: never run), in one query."""
    now = now or timezone.now()
    latest = dict(
        RetentionRun.objects.filter(policy__in=policies.names())
        .values_list("policy")
        .annotate(latest=Max("started_at"))
    )
    return [
        (name, latest.get(name))
        for name in sorted(policies.names())
        if latest.get(name) is None or latest[name] < now - SKIPPED_AFTER
    ]


def _failed_or_skipped(user) -> tuple[list[QueueRow], int]:
    now = timezone.now()
    failed = RetentionRun.objects.filter(
        status__in=[RunStatus.FAILED, RunStatus.INTERRUPTED], started_at__gte=now - FAILED_WITHIN
    ).order_by("-started_at", "-pk")
    rows, total = first_rows(failed, _failed_row)
    skipped = skipped_policies(now)
    changelist = reverse("admin:privacy_retentionrun_changelist")
    for name, latest in skipped[: max(ROWS_ON_FRONT_PAGE - len(rows), 0)]:
        note = (
            gettext("skipped: last run started %(when)s") % {"when": _when(latest)}
            if latest
            else gettext("skipped: never run")
        )
        rows.append(QueueRow(label=name, url=f"{changelist}?policy={name}", note=note))
    return rows, total + len(skipped)


def register() -> None:
    work_queue.register(
        QueueEntry(
            slug="poistoajojen-ongelmat",
            title=_("Failed or skipped retention runs"),
            roles=frozenset({Role.PRIVACY_OFFICER}),
            empty_text=_("Every retention policy has run on schedule without errors."),
            load=_failed_or_skipped,
            url=lambda: reverse("admin:privacy_retentionrun_changelist"),
        ),
        order=320,
    )
