"""Finding people the way staff type: a name fragment (typos forgiven), a phone number in any
notation, an email fragment, a customer number, a company name or a Y-tunnus.

Each kind of query goes to an index made for it (pg_trgm GIN indexes for names, email and
company names; b-tree for phone and customer number), so a page and its count stay fast at a
million people. Django admin's default search, an OR of `icontains` over every field, can use
none of them and reads the whole table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

import phonenumbers
from django.contrib.postgres.search import TrigramSimilarity
from django.core.paginator import Page, Paginator
from django.db import connection, transaction
from django.db.models import Case, F, FloatField, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Greatest
from django.utils.functional import cached_property

from customers.models import Company, ContactRole, Customer, is_valid_customer_number
from customers.validators import normalise_business_id

PER_PAGE = 25
# Word similarity at or above this counts as "the same name, mistyped". 0.6, pg_trgm's default,
# misses a transposition in a short surname ("Virtnaen"); below 0.4 unrelated names flood in.
TYPO_THRESHOLD = 0.4

_CUSTOMER_NUMBER = re.compile(r"^\d{5,12}$")
_BUSINESS_ID = re.compile(r"^\d{6,7}-\d$")
_PHONE_CHARS = re.compile(r"^[+(]?[\d\s()./-]{6,20}$")


class Kind(StrEnum):
    ALL = "all"
    CUSTOMER_NUMBER = "customer_number"
    PHONE = "phone"
    EMAIL = "email"
    BUSINESS_ID = "business_id"
    TEXT = "text"


SORTS = {
    "name": ("last_name", "first_name", "pk"),
    "-name": ("-last_name", "-first_name", "-pk"),
    "number": ("customer_number",),
    "-number": ("-customer_number",),
    "city": ("city", "last_name", "pk"),
    "-city": ("-city", "last_name", "pk"),
    "created": ("created_at", "pk"),
    "-created": ("-created_at", "-pk"),
}


def escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def classify(query: str) -> Kind:
    """Return what the query looks like."""
    query = query.strip()
    if not query:
        return Kind.ALL
    if _CUSTOMER_NUMBER.match(query) and is_valid_customer_number(query):
        return Kind.CUSTOMER_NUMBER
    if _BUSINESS_ID.match(query):
        return Kind.BUSINESS_ID
    if "@" in query:
        return Kind.EMAIL
    if _PHONE_CHARS.match(query) and sum(c.isdigit() for c in query) >= 6:
        return Kind.PHONE
    return Kind.TEXT


def normalise_phone(query: str) -> str | None:
    """Return the number in E.164, as stored, or None when it is no phone number."""
    try:
        number = phonenumbers.parse(query, "FI")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _text_queryset(query: str) -> QuerySet[Customer]:
    """Every word must match a first or last name: as a fragment, or as a mistyped name.
    People whose company's name matches the whole query are included too."""
    words = [w for w in query.split() if w]
    condition = Q()
    for word in words:
        pattern = f"%{escape_like(word)}%"
        matches = Q(last_name__ilike=pattern) | Q(first_name__ilike=pattern)
        if len(word) >= 4:
            matches |= Q(last_name__trigram_word_similar=word) | Q(
                first_name__trigram_word_similar=word
            )
        condition &= matches
    by_name = Customer.objects.filter(condition).values("pk")
    whole = f"%{escape_like(query)}%"
    companies = Company.objects.filter(name__ilike=whole)
    by_company = ContactRole.objects.filter(company__in=companies).values("customer_id")
    parts = [by_company]
    if len(words) == 1 and len(query) >= 3:
        # "matti.virtanen" or "posti.fi" is an email fragment without its @.
        parts.append(Customer.objects.filter(email__ilike=whole).values("pk"))
    # A UNION of indexed lookups; an OR across the join would read every row.
    return Customer.objects.filter(pk__in=by_name.union(*parts))


def _relevance(query: str) -> Greatest:
    """Exact fragment matches first, then by how close a mistyped name is."""
    words = [w for w in query.split() if w]
    exact = Case(
        *[When(Q(last_name__iexact=w) | Q(first_name__iexact=w), then=Value(2)) for w in words],
        default=Value(0),
        output_field=IntegerField(),
    )
    similarity = Greatest(
        *[TrigramSimilarity("last_name", w) for w in words],
        *[TrigramSimilarity("first_name", w) for w in words],
        Value(0.0),
        output_field=FloatField(),
    )
    return exact + similarity


@dataclass
class SearchResult:
    query: str
    kind: Kind
    sort: str
    page: Page
    # True when the count is PostgreSQL's estimate for the whole table, not an exact count.
    count_is_estimate: bool = False

    @cached_property
    def count(self) -> int:
        return self.page.paginator.count

    @property
    def single(self) -> Customer | None:
        """The one person an exact identifier found, for a direct jump to their page."""
        if self.kind in (Kind.CUSTOMER_NUMBER,) and self.count == 1:
            return self.page.object_list[0]
        return None


class _EstimatedCountPaginator(Paginator):
    """Paginate the whole register without counting a million rows on every page view."""

    @cached_property
    def count(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                [Customer._meta.db_table],
            )
            estimate = cursor.fetchone()[0]
        if estimate < 10_000:  # small tables: exact and cheap; -1 means never analysed
            return self.object_list.count()
        return estimate


def customer_queryset(query: str) -> tuple[Kind, QuerySet[Customer]]:
    """Return the kind of the query and the people it finds, unordered."""
    kind = classify(query)
    query = query.strip()
    if kind == Kind.ALL:
        return kind, Customer.objects.all()
    if kind == Kind.CUSTOMER_NUMBER:
        return kind, Customer.objects.filter(customer_number=query)
    if kind == Kind.BUSINESS_ID:
        companies = Company.objects.filter(business_id=normalise_business_id(query))
        return kind, Customer.objects.with_role_in(companies)
    if kind == Kind.EMAIL:
        return kind, Customer.objects.filter(email__ilike=f"%{escape_like(query)}%")
    if kind == Kind.PHONE:
        e164 = normalise_phone(query)
        if e164 is not None:
            return kind, Customer.objects.filter(phone=e164)
    return Kind.TEXT, _text_queryset(query)


def search_customers(query: str, *, sort: str = "", page_number: int | str = 1) -> SearchResult:
    """Return one page of people matching the query, its count and how it was understood."""
    query = (query or "").strip()[:200]
    kind, queryset = customer_queryset(query)
    if sort not in SORTS:
        sort = "relevance" if kind == Kind.TEXT else "name"
    if sort == "relevance":
        queryset = queryset.annotate(relevance=_relevance(query)).order_by(
            F("relevance").desc(), "last_name", "first_name", "pk"
        )
    else:
        queryset = queryset.order_by(*SORTS[sort])
    paginator_class = _EstimatedCountPaginator if kind == Kind.ALL else Paginator
    paginator = paginator_class(queryset, PER_PAGE)
    # Evaluate inside the transaction that carries the typo threshold (SET LOCAL).
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL pg_trgm.word_similarity_threshold = {TYPO_THRESHOLD:.2f}")
        page = paginator.get_page(page_number)
        page.object_list = list(page.object_list)
        paginator.count  # noqa: B018  (evaluated here, under the threshold)
    return SearchResult(
        query=query, kind=kind, sort=sort, page=page, count_is_estimate=kind == Kind.ALL
    )
