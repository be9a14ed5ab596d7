"""Customer service's feedback on the front page: what is new, and what was rated low and is
not handled yet."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from accounts import work_queue
from accounts.work_queue import QueueEntry, QueueRow
from feedback.models import Feedback


def _row(item: Feedback) -> QueueRow:
    received = date_format(timezone.localtime(item.received_at), "j.n.Y G.i")
    sender = item.customer.full_name if item.customer_id else str(_("Anonymous"))
    note = f"{received} · {sender}"
    if item.rating is not None:
        note += " · " + str(_("rating %(rating)d/5") % {"rating": item.rating})
    return QueueRow(
        label=item.subject,
        url=reverse("feedback:detail", args=[item.pk]),
        note=note,
        urgent=item.is_low_rated,
    )


def register() -> None:
    work_queue.register(
        QueueEntry(
            slug="uusi-palaute",
            title=_("New feedback"),
            roles=work_queue.CUSTOMER_SERVICE_ROLES,
            empty_text=_("No new feedback."),
            queryset=lambda user: Feedback.objects.new().for_listing(),
            row=_row,
            url=lambda: reverse("feedback:list") + "?status=new",
        ),
        order=100,
    )
    work_queue.register(
        QueueEntry(
            slug="heikot-arviot",
            title=_("Low-rated feedback not handled yet"),
            roles=work_queue.CUSTOMER_SERVICE_ROLES,
            empty_text=_("No unhandled feedback rated 1–2."),
            queryset=lambda user: Feedback.objects.unhandled().low_rated().for_listing(),
            row=_row,
            url=lambda: reverse("feedback:list") + "?status=open&rating=low",
        ),
        order=110,
    )
