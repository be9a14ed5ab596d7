"""The front page's work queue: what each role works on, contributed by the apps that own it.

Each app registers its queue entries from its `AppConfig.ready` (`register(QueueEntry(...),
order=...)`); the front page shows a user the entries of the roles they hold, in order, so
`accounts` knows no app above it. An entry shows its first `ROWS_ON_FRONT_PAGE` rows with
the total, counted in the same query, so the front page costs the same number of queries
however much work is waiting.

Order slots, so the queue reads the same for everyone:
- 100–199 customer service: feedback (100, 110), contact roles waiting for review
  (`CONTACT_ROLES_TO_REVIEW`, 150: registered by whoever owns that review, see below),
  requests logged at the office (170);
- 200–299 supervisor: recordings with open holds (200);
- 300–399 privacy officer: requests due soon or overdue (300), breaches with a running clock
  (310), failed or skipped scheduled jobs (320, 330), the notice check (390);
- 400–499 marketing: the user's own audience exports (400).

Contact roles waiting for review: the list belongs to `customers` (the review of a contact
person whose role has ended). It is not built here; whoever builds it registers
`QueueEntry(slug=CONTACT_ROLES_TO_REVIEW, roles=CUSTOMER_SERVICE_ROLES, ...)` at order 150
from `customers.apps`, and it appears on the customer service and supervisor front pages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Count, QuerySet, Window

from accounts.roles import Role, roles_of

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

ROWS_ON_FRONT_PAGE = 5

# Who serves customers: customer service, and supervisors who do the same work and more.
CUSTOMER_SERVICE_ROLES = frozenset({Role.CUSTOMER_SERVICE, Role.SUPERVISOR})

# The hook for the contact roles waiting for review (see the module docstring).
CONTACT_ROLES_TO_REVIEW = "contact-roles-to-review"


@dataclass(frozen=True)
class QueueRow:
    """One thing to work on: the link to it and a short note (a date, a state, a deadline)."""

    label: str
    url: str
    note: str = ""
    # Shown as needing attention now (overdue, failed).
    urgent: bool = False


@dataclass(frozen=True)
class QueueCard:
    """What the front page shows of one entry for one user."""

    entry: QueueEntry
    rows: list[QueueRow]
    total: int
    # The whole list, when the entry has a page of its own.
    url: str = ""
    context: dict[str, Any] = field(default_factory=dict)

    @property
    def has_more(self) -> bool:
        return self.total > len(self.rows)


@dataclass(frozen=True)
class QueueEntry:
    """One list on the front page of the roles it is for.

    Most entries list a queryset: `queryset(user)` returns it, ordered, and `row(obj)` turns
    each object into a `QueueRow` (the first rows and the total come in one query). An entry
    whose rows are not one queryset gives `load(user)` instead, returning the rows and the
    total. `url`, when given, opens the whole list. An entry that needs its own look gives
    `template` (it gets `card`, a `QueueCard`, plus `card.context`) and may return extra
    context with `context`.
    """

    slug: str
    title: str
    # The entry is shown to a user who holds any of these roles.
    roles: frozenset[Role]
    empty_text: str
    queryset: Callable[[AbstractBaseUser], QuerySet] | None = None
    row: Callable[[Any], QueueRow] | None = None
    load: Callable[[AbstractBaseUser], tuple[list[QueueRow], int]] | None = None
    url: Callable[[], str] | None = None
    template: str = "accounts/_queue_entry.html"
    context: Callable[[AbstractBaseUser], dict[str, Any]] | None = None

    @property
    def heading_id(self) -> str:
        return f"jono-{self.slug}"

    def rows(self, user: AbstractBaseUser) -> tuple[list[QueueRow], int]:
        """Return the first rows for the user and the total."""
        if self.queryset is not None:
            return first_rows(self.queryset(user), self.row)
        return self.load(user) if self.load is not None else ([], 0)

    def card(self, user: AbstractBaseUser) -> QueueCard:
        rows, total = self.rows(user)
        extra = self.context(user) if self.context is not None else {}
        url = self.url() if self.url is not None else ""
        return QueueCard(entry=self, rows=rows, total=total, url=url, context=extra)


_ENTRIES: dict[str, tuple[int, QueueEntry]] = {}


def register(entry: QueueEntry, *, order: int) -> QueueEntry:
    """Add an entry to the front page; registering a slug again replaces it. Return it."""
    _ENTRIES[entry.slug] = (order, entry)
    return entry


def entries() -> list[QueueEntry]:
    """Return every registered entry in front-page order."""
    return [entry for _order, entry in sorted(_ENTRIES.values(), key=lambda e: e[0])]


def entries_for(roles: Iterable[Role]) -> list[QueueEntry]:
    """Return the entries of any of these roles, in order, each once."""
    held = set(roles)
    return [entry for entry in entries() if entry.roles & held]


def cards_for(user: AbstractBaseUser) -> list[QueueCard]:
    """Return the work queue of the user's roles, as the front page shows it."""
    return [entry.card(user) for entry in entries_for(roles_of(user))]


def first_rows(
    queryset: QuerySet, to_row: Callable[[Any], QueueRow], *, limit: int = ROWS_ON_FRONT_PAGE
) -> tuple[list[QueueRow], int]:
    """Return the first rows of an ordered queryset as queue rows, and the total, in one
    query however many rows match."""
    objects = list(queryset.annotate(queue_total=Window(Count("pk")))[:limit])
    total = objects[0].queue_total if objects else 0
    return [to_row(obj) for obj in objects], total
