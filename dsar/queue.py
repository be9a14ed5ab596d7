"""Requests on the front page: those logged at the office for customer service, those due soon
or overdue for the privacy officer."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts import work_queue
from accounts.roles import Role
from accounts.work_queue import QueueEntry, QueueRow
from dsar.models import Channel, DataSubjectRequest


def _due_note(item: DataSubjectRequest, today) -> str:
    days = item.days_left(today)
    due = date_format(item.due_on, "j.n.Y")
    if days < 0:
        return gettext("%(days)d days late (due %(date)s)") % {"days": -days, "date": due}
    return gettext("due %(date)s, %(days)d days left") % {"date": due, "days": days}


def _office_row(item: DataSubjectRequest) -> QueueRow:
    today = timezone.localdate()
    name = item.customer.full_name if item.customer_id else ""
    url = reverse("customers:detail", args=[item.customer_id]) + "#pyynnot" if name else ""
    parts = [name, item.get_state_display(), _due_note(item, today)]
    return QueueRow(
        label=item.reference,
        url=url,
        note=" · ".join(str(part) for part in parts if part),
        urgent=item.due_on < today,
    )


def _officer_row(item: DataSubjectRequest) -> QueueRow:
    today = timezone.localdate()
    return QueueRow(
        label=f"{item.reference} ({item.type_labels})",
        url=reverse("admin:dsar_datasubjectrequest_change", args=[item.pk]),
        note=f"{item.get_state_display()} · {_due_note(item, today)}",
        urgent=item.due_on < today,
    )


def _logged_at_office(user) -> QuerySet[DataSubjectRequest]:
    return (
        DataSubjectRequest.objects.open()
        .filter(channel=Channel.OFFICE)
        .select_related("customer")
        .order_by("due_on", "pk")
    )


def _due_soon(user) -> QuerySet[DataSubjectRequest]:
    """Open requests due within the reminder period (paused ones wait for the requester) and
    every overdue one, the most urgent first: the reminder email's list."""
    today = timezone.localdate()
    soon = today + timedelta(days=settings.DSAR_REMINDER_DAYS)
    return (
        DataSubjectRequest.objects.open()
        .filter(Q(paused=False, due_on__lte=soon) | Q(due_on__lt=today))
        .order_by("due_on", "pk")
    )


def register() -> None:
    work_queue.register(
        QueueEntry(
            slug="toimistossa-kirjatut-pyynnot",
            title=_("Requests logged at the office"),
            roles=work_queue.CUSTOMER_SERVICE_ROLES,
            empty_text=_("No open requests logged at the office."),
            queryset=_logged_at_office,
            row=_office_row,
        ),
        order=170,
    )
    work_queue.register(
        QueueEntry(
            slug="pyyntojen-maaraajat",
            title=_("Requests due soon or overdue"),
            roles=frozenset({Role.PRIVACY_OFFICER}),
            empty_text=_("No request is due within the reminder period."),
            queryset=_due_soon,
            row=_officer_row,
            url=lambda: reverse("admin:dsar_datasubjectrequest_changelist"),
        ),
        order=300,
    )
