"""Breaches whose 72 hours to notify the Ombudsman are running, on the privacy officer's front
page (GDPR Art. 33(1))."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts import work_queue
from accounts.roles import Role
from accounts.work_queue import QueueEntry, QueueRow
from breaches.models import Breach


def _row(breach: Breach) -> QueueRow:
    now = timezone.now()
    deadline = date_format(timezone.localtime(breach.authority_deadline), "j.n.Y G.i")
    return QueueRow(
        label=breach.reference,
        url=reverse("admin:breaches_breach_change", args=[breach.pk]),
        note=f"{breach.clock_display(now)} ({gettext('deadline')} {deadline})",
        urgent=breach.hours_left(now) < 0,
    )


def register() -> None:
    work_queue.register(
        QueueEntry(
            slug="tietoturvaloukkausten-kellot",
            title=_("Personal-data breaches: 72 hours to notify the Ombudsman"),
            roles=frozenset({Role.PRIVACY_OFFICER}),
            empty_text=_("No breach is waiting to be notified."),
            queryset=lambda user: Breach.objects.clock_running().order_by("became_aware_at", "pk"),
            row=_row,
            url=lambda: reverse("admin:breaches_breach_changelist"),
        ),
        order=310,
    )
