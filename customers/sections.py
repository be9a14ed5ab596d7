"""The sections of a person's page, contributed by the apps that own their data.

Each app registers its sections from its `AppConfig.ready` (`register(PageSection(...),
order=...)`); the customer page renders them in order and builds its section navigation from
them, so `customers` knows no app above it.

A person can gather hundreds of services, roles or calls, so no list on the customer page is
unbounded: each `RecordSection` shows its newest `ROWS_ON_CUSTOMER_PAGE` rows with the total,
and links to its own paged page when there are more.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Count, F, QuerySet, Window
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from customers.models import (
    ContactRole,
    Customer,
    CustomerGroup,
    Insurance,
    OccupationalHealthCoverage,
    ServiceUse,
)

if TYPE_CHECKING:
    from django.http import HttpRequest

ROWS_ON_CUSTOMER_PAGE = 10
ROWS_ON_SECTION_PAGE = 25

# Shortcuts the page itself uses: the summary (y), the wishes and interests (l), the change
# history (h); and the header's search (s).
RESERVED_SHORTCUTS = frozenset("ylhs")


@dataclass(frozen=True)
class RecordSection:
    """One list of a person's related rows, newest first, with a paged page of its own."""

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
    """What the customer page shows of a list."""

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


@dataclass(frozen=True)
class PageSection:
    """One card on a person's page: its anchor, heading and the include that renders it.

    The include gets the page's context plus `card` (a `SectionCard`: `card.lists` holds the
    previews of the lists the user may see, by slug) and whatever `context` returns.
    """

    anchor: str
    title: str
    template: str
    lists: tuple[RecordSection, ...] = ()
    # Extra context for the include, computed once per page view.
    context: Callable[[HttpRequest, Customer], dict[str, Any]] | None = None
    # The label in the section navigation, when shorter than the heading.
    nav_title: str = ""
    # The section's part of the summary at the top of the page: an include that gets the
    # same context as the section (read what the section computes; query nothing more).
    summary_template: str = ""
    # The letter that moves focus to the section with Alt+Shift (static/js/app.js).
    shortcut: str = ""
    # Whether the section shrinks to one line while none of its lists has a row. A section
    # that shows more than its lists (consents: the purposes) stays open.
    collapses_when_empty: bool = True

    @property
    def nav_label(self) -> str:
        return self.nav_title or self.title

    @property
    def heading_id(self) -> str:
        return f"h-{self.anchor}"

    def card(self, request: HttpRequest, customer: Customer) -> SectionCard:
        """Return what the page renders of this section for this user."""
        previews = {
            record.slug: record.preview(customer)
            for record in self.lists
            if request.user.has_perm(record.permission)
        }
        extra = self.context(request, customer) if self.context is not None else {}
        return SectionCard(section=self, lists=previews, context=extra)


@dataclass(frozen=True)
class SectionCard:
    section: PageSection
    lists: dict[str, SectionPreview]
    context: dict[str, Any] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        """Whether the page shows the section as one line: it collapses and has no rows the
        user may see."""
        return self.section.collapses_when_empty and not any(
            preview.total for preview in self.lists.values()
        )


# The registered sections in page order, and every list with a page of its own by slug.
_PAGE_SECTIONS: dict[str, tuple[int, PageSection]] = {}
SECTIONS: dict[str, RecordSection] = {}


def register(section: PageSection, *, order: int) -> PageSection:
    """Add a section to the customer page; registering an anchor again replaces its section
    (so an app can take over a placeholder). Return the section."""
    taken = {record.slug for record in section.lists} & set(SECTIONS)
    previous = _PAGE_SECTIONS.get(section.anchor)
    if section.shortcut and section.shortcut in RESERVED_SHORTCUTS:
        raise ValueError(f"The customer page keeps the shortcut {section.shortcut!r} for itself.")
    clash = [
        other.anchor
        for _order, other in _PAGE_SECTIONS.values()
        if section.shortcut
        and other.shortcut == section.shortcut
        and other.anchor != section.anchor
    ]
    if clash:
        raise ValueError(f"Shortcut {section.shortcut!r} is already taken by {clash[0]!r}.")
    own = {record.slug for record in previous[1].lists} if previous else set()
    if taken - own:
        raise ValueError(f"Customer-page lists already registered: {sorted(taken - own)}")
    for slug in own:
        del SECTIONS[slug]
    _PAGE_SECTIONS[section.anchor] = (order, section)
    for record in section.lists:
        SECTIONS[record.slug] = record
    return section


def page_sections() -> list[PageSection]:
    """Return the registered sections in page order."""
    return [section for _order, section in sorted(_PAGE_SECTIONS.values(), key=lambda s: s[0])]


def cards(request: HttpRequest, customer: Customer) -> list[SectionCard]:
    """Return every section of the person's page as this user sees it."""
    return [section.card(request, customer) for section in page_sections()]


# --- The register's own lists ---------------------------------------------------------------------

GROUPS = RecordSection(
    slug="ryhmat",
    title=_("Groups"),
    template="customers/_groups.html",
    context_name="groups",
    anchor="perustiedot",
    rows=lambda customer: CustomerGroup.objects.filter(memberships__customer=customer).order_by(
        "name", "pk"
    ),
)


def register_own_sections() -> None:
    """Register the register's own lists: roles, services, insurance and coverage."""
    register(
        PageSection(
            anchor="tehtavat",
            title=_("Roles in companies"),
            template="customers/_section_roles.html",
            shortcut="t",
            lists=(
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
            ),
        ),
        order=100,
    )
    register(
        PageSection(
            anchor="palvelut",
            title=_("Services and payments"),
            template="customers/_section_services.html",
            shortcut="p",
            lists=(
                RecordSection(
                    slug="palvelut",
                    title=_("Services and payments"),
                    template="customers/_services.html",
                    context_name="services",
                    rows=lambda customer: ServiceUse.objects.filter(customer=customer).order_by(
                        "-date", "-pk"
                    ),
                ),
            ),
        ),
        order=200,
    )
    register(
        PageSection(
            anchor="tyoterveys",
            title=_("Insurance and occupational health"),
            template="customers/_section_health.html",
            shortcut="v",
            lists=(
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
            ),
        ),
        order=300,
    )
    # The groups show as badges under the person's name; their list page is kept here.
    SECTIONS[GROUPS.slug] = GROUPS
