"""The person's data-subject requests on the customer page: a placeholder until written
requests are in use."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from customers import sections


def register() -> None:
    sections.register(
        sections.PageSection(
            anchor="pyynnot",
            title=_("Data-subject requests"),
            nav_title=_("Requests"),
            template="dsar/_section_requests.html",
        ),
        order=700,
    )
