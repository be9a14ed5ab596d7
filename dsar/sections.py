"""The person's written requests on the customer page: reference, what is asked, state and due
date, with the link staff use to log a request handed in at the office. Staff see no
documents; the privacy officer opens the request in the admin."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Count, Min
from django.utils.translation import gettext_lazy as _

from customers import sections
from dsar.models import DataSubjectRequest

if TYPE_CHECKING:
    from django.http import HttpRequest

    from customers.models import Customer


def _open_requests(request: HttpRequest, customer: Customer) -> dict[str, Any]:
    """The person's open requests and the nearest due date, for the page's summary."""
    if not request.user.has_perm("dsar.view_request_status"):
        return {"open_requests": None}
    return {
        "open_requests": DataSubjectRequest.objects.filter(customer=customer)
        .open()
        .aggregate(count=Count("pk"), next_due=Min("due_on"))
    }


def register() -> None:
    sections.register(
        sections.PageSection(
            anchor="pyynnot",
            title=_("Data-subject requests"),
            nav_title=_("Requests"),
            template="dsar/_section_requests.html",
            context=_open_requests,
            summary_template="dsar/_summary.html",
            shortcut="r",
            lists=(
                sections.RecordSection(
                    slug="pyynnot",
                    title=_("Data-subject requests"),
                    template="dsar/_customer_requests.html",
                    context_name="customer_requests",
                    rows=lambda customer: DataSubjectRequest.objects.filter(
                        customer=customer
                    ).order_by("-received_on", "-pk"),
                    permission="dsar.view_request_status",
                ),
            ),
        ),
        order=700,
    )
