"""Finding people the way staff type: a name fragment (typos forgiven), a phone number in any
notation, an email fragment, a customer number, a company name or a Y-tunnus.

Only what the query names is a result: a name fragment, both names of a two-word query (first
and last, either order), an identifier, the beginning of a phone number. Near names (a typo, a
swap of two letters) are never passed off as the answer: they come apart, as `SearchResult.near`,
are not counted, and the page labels them "check the name", so that a worker on the phone does
not open the wrong person's record.

Each kind of query goes to an index made for it, so a page and its count stay fast at a
million people. A name fragment is first matched against the dictionary of distinct names
(KnownName, a few thousand strings, pg_trgm); the people bearing those names are then counted
and paged straight from the b-tree indexes on (last_name, first_name, id) and (first_name,
last_name, id), without reading the table. Email and company names have pg_trgm indexes; phone
and customer number b-trees. Django admin's default search, an OR of `icontains` over every
field, can use none of them and reads the whole table.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import reduce

import phonenumbers
from django.contrib.postgres.search import TrigramSimilarity
from django.core.paginator import Page, Paginator
from django.db import connection, transaction
from django.db.models import Case, F, FloatField, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Greatest
from django.utils.functional import cached_property

from customers.lookups import escape_like
from customers.models import Company, ContactRole, Customer, KnownName, is_valid_customer_number
from customers.validators import normalise_business_id

PER_PAGE = 25
# Word similarity at or above this counts as "the same name, mistyped". 0.6, pg_trgm's default,
# misses a transposition in a short surname ("Virtnaen"); below 0.4 unrelated names come in.
TYPO_THRESHOLD = 0.4
# A mistyped name is taken to mean one of this many nearest names.
TYPO_NAMES = 5
# Approximate matches shown, apart from the results and never counted.
NEAR_LIMIT = 10
# A partial phone number: at least this many digits, the beginning of the number.
PARTIAL_PHONE_DIGITS = 6
# In a two-word query, a word this short matches the beginning of a name ("matti v").
SHORT_WORD = 2
# People matched by first name alone, beyond which they are paged by walking the name index.
LARGE_FIRST_NAME_PART = 20_000

_CUSTOMER_NUMBER = re.compile(r"^\d{5,12}$")
_BUSINESS_ID = re.compile(r"^\d{6,7}-\d$")
_PHONE_CHARS = re.compile(r"^[+(]?[\d\s()./-]{6,20}$")
_EMAILISH = re.compile(r"[.@_\d]")


class Kind(StrEnum):
    ALL = "all"
    CUSTOMER_NUMBER = "customer_number"
    PHONE = "phone"
    EMAIL = "email"
    BUSINESS_ID = "business_id"
    TEXT = "text"
    TYPO = "typo"  # no name contains the words; only near names (shown apart, uncounted)


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


def classify(query: str) -> Kind:
    """Return what the query looks like."""
    query = query.strip()
    if not query:
        return Kind.ALL
    if _CUSTOMER_NUMBER.match(query) and is_valid_customer_number(query):
        return Kind.CUSTOMER_NUMBER
    if _BUSINESS_ID.match(query):
        return Kind.BUSINESS_ID
    if _PHONE_CHARS.match(query) and sum(c.isdigit() for c in query) >= 6:
        return Kind.PHONE
    if "@" in query or (" " not in query and _EMAILISH.search(query)):
        # Names hold no dots, digits or @: "matti.virtanen", "posti.fi" are parts of addresses.
        return Kind.EMAIL
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


def _fragment_condition(words: list[str]) -> Q:
    """Every word is part of a first or last name."""
    condition = Q()
    for word in words:
        names = KnownName.objects.containing(word)
        condition &= Q(last_name__in=names) | Q(first_name__in=names)
    return condition


def partial_phone_prefix(query: str) -> str | None:
    """The beginning of a number in E.164 ("040 809" → "+35840809"), or None when the query
    has fewer than PARTIAL_PHONE_DIGITS digits or is no phone notation."""
    if not _PHONE_CHARS.match(query):
        return None
    digits = "".join(c for c in query if c.isdigit())
    if len(digits) < PARTIAL_PHONE_DIGITS:
        return None
    if query.lstrip("(").startswith("+"):
        return "+" + digits
    if digits.startswith("00"):
        return "+" + digits[2:]
    if digits.startswith("0"):
        return "+358" + digits[1:]
    return "+358" + digits


def _phone_prefix_condition(prefix: str) -> Q:
    """Numbers beginning with `prefix`: a range over the b-tree index on phone (which a LIKE
    cannot use under the database's collation), and the prefix itself to be exact."""
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return Q(phone__gte=prefix, phone__lt=upper, phone__startswith=prefix)


def _word_names(word: str, *, short_is_prefix: bool) -> list[str]:
    """Names a word of a query matches: names containing it; a short word in a two-word query
    ("matti v") only the names beginning with it, in the database's order of names (see
    `_name_in`)."""
    if short_is_prefix and len(word) <= SHORT_WORD:
        beginning = KnownName.objects.filter(name__istartswith=word).order_by("name")
        return list(beginning.values_list("name", flat=True))
    return KnownName.objects.containing(word)


def _pair_condition(
    first: list[str],
    second: list[str],
    whole: list[str] | None = None,
    *,
    words: tuple[str, str] | None = None,
) -> Q:
    """One word's names as first name and the other's as last name, either order; or a name
    of two words holding both (`whole`: "Anna Maria", "Mäki-Hakola")."""
    return NameParts(tuple(_pair_parts(first, second, whole, words=words))).condition()


def _pair_parts(
    first: list[str],
    second: list[str],
    whole: list[str] | None = None,
    *,
    words: tuple[str, str] | None = None,
) -> list[Q]:
    """The conditions of `_pair_condition`, each on first and last name alone (one name
    index answers each); none when no name could match."""
    both = sorted(set(first) & set(second) & set(whole or ()))
    first_word, second_word = words or ("", "")
    parts = []
    if first and second:
        parts += [
            _name_in("first_name", first, first_word) & _name_in("last_name", second, second_word),
            _name_in("last_name", first, first_word) & _name_in("first_name", second, second_word),
        ]
    if both:
        parts += [Q(first_name__in=both), Q(last_name__in=both)]
    return parts


def _name_in(field: str, names: list[str], word: str) -> Q:
    """The field holds one of the names. For a short word's names (all those beginning with
    it, "v": some hundreds) as a range of the name index instead of a list: with both columns
    of the (first_name, last_name) index asked by lists, the planner multiplies the lists
    (21 x 397 probes for "antti k") and prefers reading the whole table.

    The range's ends are the first and last of the names in the database's order, as
    `_word_names` gives them: Python's min and max compare code points, and under a
    linguistic collation (the postgres image's en_US.utf8 puts "Kärkkäinen" before
    "Korhonen") such a range would leave names out."""
    if word and len(word) <= SHORT_WORD and names:
        return Q(
            **{
                f"{field}__gte": names[0],
                f"{field}__lte": names[-1],
                f"{field}__istartswith": word,
            }
        )
    return Q(**{f"{field}__in": names})


def _near_pair(words: list[str], names_of_words: tuple[list[str], list[str]]) -> Q:
    """Two words, no person bearing both: people whose names are the words or near them.
    `names_of_words` are each word's names as `_word_names` gave them (in the database's
    order: a short word's are a range)."""
    groups = []
    for word, found in zip(words, names_of_words, strict=True):
        names = list(found)
        if len(word) >= 4:
            nearest = KnownName.objects.nearest(word, limit=TYPO_NAMES, threshold=TYPO_THRESHOLD)
            names += [name for name in nearest if name not in names]
        groups.append(names)
    return _pair_condition(groups[0], groups[1])


def _near_people(
    words: list[str], names_of_words: tuple[list[str], list[str]] | None = None
) -> QuerySet:
    """People bearing the names nearest the longest word, taken as a mistyped name (the other
    words still parts of names); for two words (with the names each word matched), both names
    near.

    The word is compared with the few thousand distinct names (KnownName), not a million
    rows; the people are then found through the b-tree indexes on first and last name."""
    if len(words) == 2 and names_of_words is not None:
        return Customer.objects.filter(_near_pair(words, names_of_words))
    word = max(words, key=len)
    names = KnownName.objects.nearest(word, limit=TYPO_NAMES, threshold=TYPO_THRESHOLD)
    others = _fragment_condition([w for w in words if w is not word])
    return Customer.objects.filter(others).filter(Q(last_name__in=names) | Q(first_name__in=names))


@dataclass(frozen=True)
class NameTiers:
    """People found by whole names, ranked: each person falls in the first group that holds
    their first or last name, and within a group people go by last name, first name and id.

    Counting and paging need only the two name indexes (index-only scans), never the table:
    a group is the disjoint union of "last name in the group, first name in no earlier group"
    and "first name in the group, last name in no group so far", each answered by one index
    in name order, merged. So the first page of 70,000 Lahtinens costs what one of 70 does."""

    groups: tuple[tuple[str, ...], ...]

    @classmethod
    def of(cls, *groups: list[str] | tuple[str, ...]) -> NameTiers:
        return cls(tuple(tuple(group) for group in groups if group))

    def condition(self) -> Q:
        names = [name for group in self.groups for name in group]
        return Q(last_name__in=names) | Q(first_name__in=names)

    def _segments(self, tier: int) -> list[tuple[str, list]]:
        """SQL conditions (with their parameters) of the two disjoint parts of one group."""
        group = list(self.groups[tier])
        earlier = [name for g in self.groups[:tier] for name in g]
        by_last = ("last_name = ANY(%s)", [group])
        if earlier:
            by_last = ("last_name = ANY(%s) AND NOT first_name = ANY(%s)", [group, earlier])
        by_first = (
            "first_name = ANY(%s) AND NOT last_name = ANY(%s)",
            [group, earlier + group],
        )
        return [by_last, by_first]

    @cached_property
    def segment_counts(self) -> list[tuple[int, int]]:
        """(by last name, by first name) counts of each group, in one round trip."""
        if not self.groups:
            return []
        table = Customer._meta.db_table
        parts, params = [], []
        for tier in range(len(self.groups)):
            for condition, values in self._segments(tier):
                # Table name from model metadata; the names go as parameters.
                parts.append(f"(SELECT count(*) FROM {table} WHERE {condition})")  # noqa: S608
                params += values
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {', '.join(parts)}", params)
            counts = cursor.fetchone()
        return [(counts[i], counts[i + 1]) for i in range(0, len(counts), 2)]

    def count(self) -> int:
        return sum(by_last + by_first for by_last, by_first in self.segment_counts)

    def ids(self, offset: int, limit: int, *, descending: bool = False) -> list[int]:
        """Ids of people `offset` to `offset + limit` in rank order (names in reverse order
        within each group when `descending`)."""
        found: list[int] = []
        for tier, (by_last, by_first) in enumerate(self.segment_counts):
            if limit <= 0:
                break
            if offset >= by_last + by_first:
                offset -= by_last + by_first
                continue
            page = self._page_of_group(tier, offset, limit, descending, by_first)
            found += page
            limit -= len(page)
            offset = 0
        return found

    def _page_of_group(
        self, tier: int, offset: int, limit: int, descending: bool, by_first_count: int
    ) -> list[int]:
        """One window of a group: the first `offset + limit` of each part in name order,
        merged. The part by last name comes in order from the (last_name, first_name, id)
        index and stops early. The part by first name, when it is small (its count is known;
        often none), is read whole from the (first_name, …) index and sorted; a large one
        ("a" names half the register) is common enough that walking the name index in order
        meets its first rows at once, and the planner is left to do so."""
        any_by_first = by_first_count > 0
        table = Customer._meta.db_table
        order = ", ".join(
            f"{column} {'DESC' if descending else 'ASC'}"
            for column in ("last_name", "first_name", "id")
        )
        (by_last, by_last_params), (by_first, by_first_params) = self._segments(tier)
        first_part, params = "", []
        if any_by_first:
            first_part = (
                "UNION ALL (SELECT id, last_name, first_name FROM by_first "  # noqa: S608
                f"ORDER BY {order} LIMIT %s)"
            )
        # A small part by first name is materialised so that the planner cannot choose to walk
        # the whole name index hoping to meet its few rows early.
        materialised = "MATERIALIZED" if by_first_count <= LARGE_FIRST_NAME_PART else ""
        sql = (
            f"WITH by_first AS {materialised} ("  # noqa: S608 (model metadata; names as parameters)
            f"SELECT id, last_name, first_name FROM {table} WHERE {by_first}) "
            f"SELECT id FROM ((SELECT id, last_name, first_name FROM {table} WHERE {by_last} "
            f"ORDER BY {order} LIMIT %s) {first_part}) AS people "
            f"ORDER BY {order} LIMIT %s OFFSET %s"
        )
        params = [*by_first_params, *by_last_params, offset + limit]
        if any_by_first:
            params.append(offset + limit)
        params += [limit, offset]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return [row[0] for row in cursor.fetchall()]


@dataclass(frozen=True)
class NameParts:
    """People matching any of several conditions on first and last name alone, ranked: those
    bearing an `exact` name (a word of the query, whole) first, then by last name, first name
    and id.

    Counting and ranking read the two name indexes, never the table: each condition is one part
    of a UNION ALL, less the parts before it (so nobody comes twice), and each part is a range of
    one index, read by an index-only scan. The OR of the conditions is a bitmap scan instead,
    which reads a table page for every person found: "antti k" finds some 4,400 people of a
    million, on 4,000 pages, 10 ms to count and 12 to rank; the parts take 1.5 and 3."""

    parts: tuple[Q, ...]
    exact: tuple[str, ...] = ()

    def condition(self) -> Q:
        return reduce(operator.or_, self.parts) if self.parts else Q(pk__in=[])

    @cached_property
    def _conditions(self) -> list[tuple[str, list]]:
        """Each part's SQL condition (with its parameters), less the parts before it. Compiled
        once here and joined by hand: Django's UNION of querysets, with each earlier part
        repeated as an exclusion, took longer to compile than the database to answer."""
        compiled = []
        for part in self.parts:
            query = Customer.objects.filter(part).query
            sql, params = query.where.as_sql(query.get_compiler(connection=connection), connection)
            compiled.append((sql, list(params)))
        conditions = []
        for number, (sql, params) in enumerate(compiled):
            earlier = compiled[:number]
            conditions.append(
                (
                    " AND ".join([f"({sql})", *(f"NOT ({other})" for other, _ in earlier)]),
                    params + [value for _, values in earlier for value in values],
                )
            )
        return conditions

    @cached_property
    def total(self) -> int:
        if not self.parts:
            return 0
        table = Customer._meta.db_table
        # Table name from model metadata; the names go as parameters.
        counts = [f"(SELECT count(*) FROM {table} WHERE {sql})" for sql, _ in self._conditions]  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {' + '.join(counts)}",
                [value for _, values in self._conditions for value in values],
            )
            return cursor.fetchone()[0]

    def count(self) -> int:
        return self.total

    def ids(self, offset: int, limit: int, *, descending: bool = False) -> list[int]:
        """Ids of people `offset` to `offset + limit` in rank order (names in reverse order
        when `descending`)."""
        if not self.parts or limit <= 0:
            return []
        table = Customer._meta.db_table
        rank, rank_params, order = "", [], ""
        if self.exact:
            rank = ", (first_name = ANY(%s) OR last_name = ANY(%s)) AS exact"
            rank_params = [list(self.exact), list(self.exact)]
            order = "exact DESC, "
        direction = "DESC" if descending else "ASC"
        order += ", ".join(f"{column} {direction}" for column in ("last_name", "first_name", "id"))
        parts, params = [], []
        for sql, values in self._conditions:
            # Model metadata and compiled conditions; the names go as parameters.
            parts.append(f"SELECT id, last_name, first_name{rank} FROM {table} WHERE {sql}")  # noqa: S608
            params += [*rank_params, *values]
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id FROM ({' UNION ALL '.join(parts)}) AS people "  # noqa: S608
                f"ORDER BY {order} LIMIT %s OFFSET %s",
                [*params, limit, offset],
            )
            return [row[0] for row in cursor.fetchall()]


class RankedPeople:
    """The people of NameTiers or NameParts as a sliceable list for Django's Paginator."""

    def __init__(self, tiers: NameTiers | NameParts, *, descending: bool = False) -> None:
        self.tiers = tiers
        self.descending = descending

    def count(self) -> int:
        return self.tiers.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, window: slice) -> list[Customer]:
        if not isinstance(window, slice) or window.step not in (None, 1):
            raise TypeError("RankedPeople takes a plain slice")
        start, stop = window.start or 0, window.stop
        ids = self.tiers.ids(start, stop - start, descending=self.descending)
        people = Customer.objects.in_bulk(ids)
        return [people[pk] for pk in ids if pk in people]


@dataclass(frozen=True)
class Match:
    """What a query finds: people (a Customer queryset), or their ids when they come from
    more than one table (a UNION); and the count when finding them already counted them."""

    kind: Kind
    found: QuerySet
    count: int | None = None
    # When the people are found by whole names alone: their ranking, counted and paged from
    # the name indexes.
    tiers: NameTiers | None = None
    # When the people are found by a pair of names alone: their parts, counted and ranked
    # from the name indexes.
    parts: NameParts | None = None
    # Approximate matches (near names): shown apart, labelled, never counted as results.
    near: QuerySet | RankedPeople | None = None

    @property
    def people(self) -> QuerySet[Customer]:
        if self.found.model is Customer and not self.found.query.combinator:
            return self.found
        return Customer.objects.filter(pk__in=self.found)

    def counted(self) -> int:
        if self.kind == Kind.ALL:
            return _estimated_total()
        if self.tiers is not None:
            return self.tiers.count()
        return self.count if self.count is not None else self.found.order_by().count()


def _text_match(query: str) -> Match:
    """People whose names contain the words, and contact persons of companies whose name
    contains the query. Two words name one person: one the first name, the other the last
    name, either order ("matti v", "virtanen matti"). Only when nobody matches are the words
    taken as a mistyped name, and those people are approximate matches, apart from the
    results: so "korho" lists the Korhonens and not every name that looks a bit alike, while
    "Korhnen" still offers them, labelled."""
    words = [w for w in query.split() if w]
    companies = Company.objects.filter(name__ilike=f"%{escape_like(query)}%")
    has_companies = companies.exists()
    if len(words) == 1 and not has_companies:  # the usual case: one word, a person
        return _one_name_match(words[0])
    first = second = None
    if len(words) == 2:
        first, second = (_word_names(w, short_is_prefix=True) for w in words)
        whole = KnownName.objects.containing(" ".join(words), "-".join(words))
        typed = {word.lower() for word in words}
        parts = NameParts(
            tuple(_pair_parts(first, second, whole, words=(words[0], words[1]))),
            exact=tuple(sorted({name for name in first + second if name.lower() in typed})),
        )
        by_name = Customer.objects.filter(parts.condition())
        count = parts.count()
    else:
        parts = None
        by_name = Customer.objects.filter(_fragment_condition(words))
        # count(), not exists(): with LIMIT 1 the planner may walk the whole table hoping for
        # an early hit, which a name nobody has never gives. The count is an index lookup.
        count = by_name.count()
    kind, near = Kind.TEXT, None
    if count == 0 and not has_companies and max(len(w) for w in words) >= 4:
        kind, near = Kind.TYPO, _near_people(words, (first, second) if len(words) == 2 else None)
    if not has_companies:
        return Match(kind, by_name, count, parts=parts, near=near)
    by_company = (
        ContactRole.objects.filter(company__in=companies)
        .order_by()
        .values_list("customer_id", flat=True)
    )
    # A UNION of indexed lookups; an OR across the join would read every row.
    ids = by_name.order_by().values_list("pk", flat=True).union(by_company)
    return Match(kind, ids)


def _one_name_match(word: str) -> Match:
    """One word: the people bearing a name that contains it, whole-name matches first. When no
    name contains it, nobody is a result; those bearing the names nearest to it (a typo, two
    letters swapped) are approximate matches, nearest first."""
    names = KnownName.objects.containing(word)
    if names:
        whole = [name for name in names if name.lower() == word.lower()]
        tiers = NameTiers.of(whole, [name for name in names if name not in whole])
        return Match(Kind.TEXT, Customer.objects.filter(tiers.condition()), tiers=tiers)
    nothing = Customer.objects.none()
    if len(word) < 4:
        return Match(Kind.TEXT, nothing, 0)
    nearest = KnownName.objects.nearest(word, limit=TYPO_NAMES, threshold=TYPO_THRESHOLD)
    near = RankedPeople(NameTiers.of(*[[name] for name in nearest]))
    return Match(Kind.TYPO, nothing, 0, near=near)


def _relevance(query: str, *, typo: bool) -> Case | Greatest:
    """Whole-name matches first ("Laine" before "Laineenkoski"); near names by closeness."""
    words = [w for w in query.split() if w]
    exact = Case(
        *[When(Q(last_name__iexact=w) | Q(first_name__iexact=w), then=Value(2)) for w in words],
        default=Value(0),
        output_field=IntegerField(),
    )
    if not typo:
        return exact
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
    # Approximate matches (near names), at most NEAR_LIMIT: not results, not counted.
    near: list[Customer] = field(default_factory=list)

    @cached_property
    def count(self) -> int:
        return self.page.paginator.count

    @property
    def single(self) -> Customer | None:
        """The one person an exact identifier found, for a direct jump to their page."""
        if self.kind in (Kind.CUSTOMER_NUMBER,) and self.count == 1:
            return self.page.object_list[0]
        return None


def matching(query: str) -> Match:
    """Return how the query is understood and what it finds."""
    kind = classify(query)
    query = query.strip()
    people = Customer.objects.all()
    if kind == Kind.ALL:
        return Match(kind, people)
    if kind == Kind.CUSTOMER_NUMBER:
        return Match(kind, people.filter(customer_number=query))
    if kind == Kind.BUSINESS_ID:
        companies = Company.objects.filter(business_id=normalise_business_id(query))
        return Match(kind, people.with_role_in(companies))
    if kind == Kind.EMAIL:
        return Match(kind, people.filter(email__ilike=f"%{escape_like(query)}%"))
    if kind == Kind.PHONE:
        e164 = normalise_phone(query)
        if e164 is not None:
            by_number = people.filter(phone=e164)
            count = by_number.count()
            if count:
                return Match(kind, by_number, count)
        # Nobody has this number whole (Finnish numbers vary in length, so "040 809" may be a
        # possible one): it is the beginning of a number.
        prefix = partial_phone_prefix(query)
        if prefix is not None:
            return Match(kind, people.filter(_phone_prefix_condition(prefix)))
    return _text_match(query)


def customer_queryset(query: str) -> tuple[Kind, QuerySet[Customer]]:
    """Return the kind of the query and the people it finds, unordered."""
    match = matching(query)
    return match.kind, match.people


class _MatchPaginator(Paginator):
    def __init__(self, object_list: QuerySet, per_page: int, *, match: Match) -> None:
        super().__init__(object_list, per_page)
        self._match = match

    @cached_property
    def count(self) -> int:
        return self._match.counted()


def _estimated_total() -> int:
    """PostgreSQL's estimate of the register's size; exact when the register is small."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
            [Customer._meta.db_table],
        )
        estimate = cursor.fetchone()[0]
    if estimate < 10_000:  # small tables: exact and cheap; -1 means never analysed
        return Customer.objects.count()
    return estimate


def search_customers(query: str, *, sort: str = "", page_number: int | str = 1) -> SearchResult:
    """Return one page of people matching the query, its count and how it was understood."""
    query = (query or "").strip()[:200]
    with transaction.atomic(), connection.cursor() as cursor:
        # JIT off for these short queries: compiling them costs more than running them.
        cursor.execute("SET LOCAL jit = off")
        match = matching(query)
        if sort not in SORTS:
            sort = "relevance" if match.kind in (Kind.TEXT, Kind.TYPO) else "name"
        people = match.people
        if match.tiers is not None and sort in ("relevance", "name", "-name"):
            if sort != "relevance":  # one group: everyone by name
                everyone = [name for group in match.tiers.groups for name in group]
                match = replace(match, tiers=NameTiers.of(everyone))
            people = RankedPeople(match.tiers, descending=sort == "-name")
        elif match.parts is not None and sort in ("relevance", "name", "-name"):
            parts = match.parts if sort == "relevance" else replace(match.parts, exact=())
            people = RankedPeople(parts, descending=sort == "-name")
        elif sort == "relevance":
            relevance = _relevance(query, typo=match.kind == Kind.TYPO)
            people = people.annotate(relevance=relevance).order_by(
                F("relevance").desc(), "last_name", "first_name", "pk"
            )
        else:
            people = people.order_by(*SORTS[sort])
        paginator = _MatchPaginator(people, PER_PAGE, match=match)
        page = paginator.get_page(page_number)
        page.object_list = list(page.object_list)
        near = _near_list(match, query)
    return SearchResult(
        query=query,
        kind=match.kind,
        sort=sort,
        page=page,
        count_is_estimate=match.kind == Kind.ALL,
        near=near,
    )


def _near_list(match: Match, query: str) -> list[Customer]:
    """The first NEAR_LIMIT approximate matches, nearest first."""
    if match.near is None:
        return []
    if isinstance(match.near, RankedPeople):
        return match.near[:NEAR_LIMIT]
    relevance = _relevance(query, typo=True)
    return list(
        match.near.annotate(relevance=relevance).order_by(
            F("relevance").desc(), "last_name", "first_name", "pk"
        )[:NEAR_LIMIT]
    )
