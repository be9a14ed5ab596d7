"""The person's written requests on the customer page: reference, what is asked, state and due
date, with the link staff use to log a request handed in at the office. Staff see no
documents; the privacy officer opens the request in the admin."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from customers import sections
from dsar.models import DataSubjectRequest


def register() -> None:
    sections.register(
        sections.PageSection(
            anchor="pyynnot",
            title=_("Data-subject requests"),
            nav_title=_("Requests"),
            template="dsar/_section_requests.html",
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
