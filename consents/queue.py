"""A marketing user's own audience exports, on their front page."""

from __future__ import annotations

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from accounts import work_queue
from accounts.roles import Role
from accounts.work_queue import QueueEntry, QueueRow
from consents.models import AudienceExport, ExportStatus


def _row(export: AudienceExport) -> QueueRow:
    created = date_format(timezone.localtime(export.created_at), "j.n.Y G.i")
    return QueueRow(
        label=f"{export.purpose.name} · {export.get_channel_display()} → {export.recipient.name}",
        url=reverse("consents:export", args=[export.pk]),
        note=f"{export.get_status_display()} · {created}",
        urgent=export.status == ExportStatus.FAILED,
    )


def _own_exports(user) -> QuerySet[AudienceExport]:
    return (
        AudienceExport.objects.filter(created_by=user)
        .select_related("purpose", "recipient")
        .order_by("-created_at", "-pk")
    )


def register() -> None:
    work_queue.register(
        QueueEntry(
            slug="omat-viennit",
            title=_("Your audience exports"),
            roles=frozenset({Role.MARKETING}),
            empty_text=_("You have made no exports yet."),
            queryset=_own_exports,
            row=_row,
            url=lambda: reverse("consents:audiences"),
        ),
        order=400,
    )
