"""Recordings kept past their period by an open hold, on the supervisor's front page."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts import work_queue
from accounts.roles import Role
from accounts.work_queue import QueueEntry, QueueRow
from calls.models import CallRecording


def _row(call: CallRecording) -> QueueRow:
    started = date_format(timezone.localtime(call.started_at), "j.n.Y G.i")
    who = call.customer.full_name if call.customer_id else gettext("Unidentified caller")
    return QueueRow(
        label=f"{started} · {who}",
        url=reverse("calls:detail", args=[call.pk]),
        note=gettext("held for request %(reference)s") % {"reference": call.hold_reference},
    )


def register() -> None:
    work_queue.register(
        QueueEntry(
            slug="pidossa-olevat-tallenteet",
            title=_("Recordings with open holds"),
            roles=frozenset({Role.SUPERVISOR}),
            empty_text=_("No recording is on hold."),
            queryset=lambda user: CallRecording.objects.on_hold().for_listing(),
            row=_row,
            url=lambda: reverse("calls:list"),
        ),
        order=200,
    )
