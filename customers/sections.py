"""The lists on a person's page: the newest rows there, every row on a paged page of its own.

A person can gather hundreds of services, roles or calls, so no list on the customer page is
unbounded: each shows its newest `ROWS_ON_CUSTOMER_PAGE` rows with the total, and links to its
own page when there are more. Declared once here; the detail page, the section pages and their
tests read this table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, F, QuerySet, Window
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from calls.models import CallRecording
from consents.selectors import disclosures_of
from customers.models import (
    ContactRole,
    Customer,
    CustomerGroup,
    Insurance,
    OccupationalHealthCoverage,
    ServiceUse,
)
from feedback.models import Feedback

ROWS_ON_CUSTOMER_PAGE = 10
ROWS_ON_SECTION_PAGE = 25


@dataclass(frozen=True)
class RecordSection:
    """One list of a person's related rows, newest first."""

    slug: str
    title: str
    # The include that renders the rows; it reads them from `context_name`.
    template: str
    context_name: str
    rows: Callable[[Customer], QuerySet]
    # Who may see the list, on top of customers.view_customer.
    permission: str = "customers.view_customer"
    # Where the list is on the customer page, when not at #<slug>.
    anchor: str = ""

    @property
    def page_anchor(self) -> str:
        return self.anchor or self.slug

    def preview(self, customer: Customer) -> SectionPreview:
        """Return the newest rows and the total in one query, however many rows there are."""
        rows = list(
            self.rows(customer).annotate(section_total=Window(Count("pk")))[:ROWS_ON_CUSTOMER_PAGE]
        )
        total = rows[0].section_total if rows else 0
        return SectionPreview(section=self, customer_pk=customer.pk, rows=rows, total=total)


@dataclass(frozen=True)
class SectionPreview:
    """What the customer page shows of a section."""

    section: RecordSection
    customer_pk: int
    rows: list
    total: int

    @property
    def has_more(self) -> bool:
        return self.total > len(self.rows)

    @property
    def url(self) -> str:
        return reverse("customers:section", args=[self.customer_pk, self.section.slug])


SECTIONS = {
    section.slug: section
    for section in [
        RecordSection(
            slug="tehtavat",
            title=_("Roles in companies"),
            template="customers/_roles.html",
            context_name="roles",
            rows=lambda customer: (
                ContactRole.objects.filter(customer=customer)
                .select_related("company")
                .order_by("-started_on", "-pk")
            ),
        ),
        RecordSection(
            slug="palvelut",
            title=_("Services and payments"),
            template="customers/_services.html",
            context_name="services",
            rows=lambda customer: ServiceUse.objects.filter(customer=customer).order_by(
                "-date", "-pk"
            ),
        ),
        RecordSection(
            slug="vakuutukset",
            title=_("Insurances"),
            template="customers/_insurances.html",
            context_name="insurances",
            anchor="tyoterveys",
            rows=lambda customer: Insurance.objects.filter(customer=customer).order_by(
                F("valid_from").desc(nulls_last=True), "-pk"
            ),
        ),
        RecordSection(
            slug="tyoterveys",
            title=_("Occupational health coverage"),
            template="customers/_coverages.html",
            context_name="coverages",
            rows=lambda customer: (
                OccupationalHealthCoverage.objects.filter(customer=customer)
                .select_related("contract__company")
                .order_by("-starts_on", "-pk")
            ),
        ),
        RecordSection(
            slug="ryhmat",
            title=_("Groups"),
            template="customers/_groups.html",
            context_name="groups",
            anchor="perustiedot",
            rows=lambda customer: CustomerGroup.objects.filter(
                memberships__customer=customer
            ).order_by("name", "pk"),
        ),
        RecordSection(
            slug="luovutukset",
            title=_("Disclosures"),
            template="consents/_disclosures.html",
            context_name="disclosures",
            rows=disclosures_of,
            anchor="suostumukset",
            permission="consents.view_disclosure",
        ),
        RecordSection(
            slug="palaute",
            title=_("Feedback"),
            template="feedback/_customer_feedback.html",
            context_name="customer_feedback",
            rows=lambda customer: Feedback.objects.for_customer(customer),
            permission="feedback.view_feedback",
        ),
        RecordSection(
            slug="puhelut",
            title=_("Call recordings"),
            template="calls/_customer_calls.html",
            context_name="calls",
            rows=lambda customer: CallRecording.objects.for_customer(customer),
        ),
    ]
}
