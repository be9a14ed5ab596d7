"""Address updates from an address-update service (notice §8), imported in batches.

The file format is documented in README.md ("Address update files"). Bad rows are reported with
their row number and reason and skipped; good rows are applied; every changed value records the
service and the effective date it came with. Importing the same file again changes nothing: a
value is only replaced by an update whose effective date is later than the one it came with.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django_countries import countries

from audit.history import attributed_to
from customers.models import Customer, LifeStatus, Source, is_valid_customer_number
from customers.validators import validate_postal_code
from privacy.restriction import is_restricted, restricted_among

if TYPE_CHECKING:
    from collections.abc import Callable

    from accounts.models import Actor

MAX_FILE_BYTES = 20 * 1024 * 1024
# An uploaded file waits here (private storage, never served) between the preview and apply.
PENDING_DIR = "address-updates/pending"
PENDING_MAX_AGE = timedelta(hours=1)
_PENDING_SALT = "customers.address-update-pending"
# The service's name is kept with each value and as a ban's note (consents.Ban.note, 200).
SOURCE_MAX_LENGTH = 200
COLUMNS = [
    "customer_number",
    "street_address",
    "postal_code",
    "city",
    "country",
    "effective_date",
    "source",
    "status",
    "marketing_ban",
]
REQUIRED_COLUMNS = {"customer_number", "effective_date", "source"}
ADDRESS_FIELDS = ("street_address", "postal_code", "city", "country")
STATUS_VALUES = {
    "": None,
    "deceased": LifeStatus.DECEASED,
    "kuollut": LifeStatus.DECEASED,
    "moved_abroad": LifeStatus.MOVED_ABROAD,
    "muuttanut ulkomaille": LifeStatus.MOVED_ABROAD,
    "active": LifeStatus.ACTIVE,
}
# A direct-marketing ban (suoramarkkinointikielto) the service reports; recorded in consents/.
MARKETING_BAN_VALUES = {"": False, "yes": True, "kyllä": True, "1": True}
MARKETING_BAN = "marketing_ban"
_DATE_FI = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")


@dataclass(frozen=True)
class MarketingBanBook:
    """Where the direct-marketing bans an address service reports are kept (consents/ registers
    it from its AppConfig.ready; customers/ does not know consents/)."""

    # {customer id: effective date} -> the people for whom such a ban would be new.
    new: Callable[[dict[int, date]], set[int]]
    # Record one: (customer, started_on, note, by).
    record: Callable[[Customer, date, str, Actor | None], object]


_ban_book: MarketingBanBook | None = None


def register_marketing_bans(book: MarketingBanBook) -> None:
    global _ban_book  # noqa: PLW0603  (set once, from an AppConfig.ready)
    _ban_book = book


def new_address_bans(effective_on: dict[int, date]) -> set[int]:
    if _ban_book is None or not effective_on:
        return set()
    return _ban_book.new(effective_on)


class FileError(Exception):
    """The file as a whole can't be read; no row was looked at."""


@dataclass
class Row:
    number: int  # the line in the file, the header being line 1
    customer_number: str
    values: dict[str, str] = field(default_factory=dict)
    effective: date | None = None
    source: str = ""
    status: str | None = None
    marketing_ban: bool = False
    # The person's processing is restricted: the row is not applied (only its ban is recorded).
    restricted: bool = False
    error: str = ""
    # Filled by plan(): the person and what would change.
    customer: Customer | None = None
    changes: dict[str, tuple[str, str]] = field(default_factory=dict)


@dataclass
class ImportReport:
    rows: list[Row]
    applied: bool = False

    @property
    def errors(self) -> list[Row]:
        return [row for row in self.rows if row.error]

    @property
    def changing(self) -> list[Row]:
        return [row for row in self.rows if not row.error and row.changes]

    @property
    def unchanged(self) -> list[Row]:
        return [row for row in self.rows if not row.error and not row.changes]

    @property
    def outcomes(self) -> list[tuple[Row, str, str, str]]:
        """(row, field or error, before, after) per line of the preview: rejected rows first,
        then each change; unchanged rows are only counted."""
        lines: list[tuple[Row, str, str, str]] = [(r, r.error, "", "") for r in self.errors]
        for row in self.changing:
            lines.extend((row, name, old, new) for name, (old, new) in row.changes.items())
        return lines


def _parse_date(value: str) -> date | None:
    value = value.strip()
    match = _DATE_FI.match(value)
    try:
        if match:
            day, month, year = (int(g) for g in match.groups())
            return date(year, month, day)
        return date.fromisoformat(value)
    except ValueError:
        return None


def read_rows(content: bytes) -> list[Row]:
    """Parse the file into rows, each either valid on its own or carrying its error."""
    if len(content) > MAX_FILE_BYTES:
        raise FileError(_("The file is larger than 20 MB."))
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileError(_("The file is not UTF-8 text. Save it as CSV UTF-8.")) from None
    if not text.strip():
        raise FileError(_("The file is empty."))
    first_line = text.splitlines()[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = REQUIRED_COLUMNS - set(header)
    if missing:
        raise FileError(
            _("The header row lacks the columns: %(columns)s.")
            % {"columns": ", ".join(sorted(missing))}
        )
    reader.fieldnames = header
    rows = []
    try:
        for line, record in enumerate(reader, start=2):
            cells = {k: (v or "").strip() for k, v in record.items() if isinstance(k, str)}
            rows.append(_validate(line, cells))
    except csv.Error as error:  # a cell over the csv module's 128 KiB, broken quoting
        raise FileError(
            _("Line %(line)d cannot be read: a cell is too large or its quotes are broken.")
            % {"line": reader.line_num}
        ) from error
    return rows


def _validate(number: int, record: dict[str, str]) -> Row:
    """Check the row against the same rules the person's record keeps (lengths, postal code,
    characters), so that a row the preview accepts is a row apply can write."""
    if any("\x00" in value for value in record.values()):
        row = Row(number=number, customer_number="")
        row.error = _("The row contains a character that cannot be stored (NUL).")
        return row
    row = Row(number=number, customer_number=record.get("customer_number", "")[:20])
    if not is_valid_customer_number(row.customer_number):
        row.error = _("Invalid customer number (check digit does not match).")
        return row
    row.effective = _parse_date(record.get("effective_date", ""))
    if row.effective is None:
        row.error = _("Invalid effective date; use 2026-11-25 or 25.11.2026.")
        return row
    row.source = record.get("source", "")
    if not row.source:
        row.error = _("The source is missing.")
        return row
    if len(row.source) > SOURCE_MAX_LENGTH:
        row.error = _("The source is longer than %(count)d characters.") % {
            "count": SOURCE_MAX_LENGTH
        }
        return row
    status_text = record.get("status", "").lower()
    if status_text not in STATUS_VALUES:
        row.error = _("Unknown status %(status)s.") % {"status": record.get("status", "")[:50]}
        return row
    row.status = STATUS_VALUES[status_text]
    ban_text = record.get(MARKETING_BAN, "").lower()
    if ban_text not in MARKETING_BAN_VALUES:
        row.error = _(
            "Unknown marketing ban value %(value)s; use yes, kyllä or 1, or leave it empty."
        ) % {"value": record.get(MARKETING_BAN, "")[:50]}
        return row
    row.marketing_ban = MARKETING_BAN_VALUES[ban_text]
    values = {f: record[f] for f in ADDRESS_FIELDS if record.get(f)}
    if "country" in values:
        values["country"] = values["country"].upper()
        if values["country"] not in countries:
            row.error = _("Unknown country code %(code)s.") % {"code": values["country"][:50]}
            return row
    if values.get("postal_code") and values.get("country", "FI") == "FI":
        try:
            validate_postal_code(values["postal_code"])
        except ValidationError as error:
            row.error = str(error.messages[0])
            return row
    for name in ("street_address", "postal_code", "city"):
        if name in values:
            try:
                Customer._meta.get_field(name).clean(values[name], None)
            except ValidationError as error:
                label = Customer._meta.get_field(name).verbose_name
                row.error = f"{capfirst(label)}: {error.messages[0]}"
                return row
    if not values and row.status is None and not row.marketing_ban:
        row.error = _("The row has neither a new address, a status nor a marketing ban.")
        return row
    row.values = values
    return row


def plan(rows: list[Row]) -> ImportReport:
    """Match rows to people and work out what each would change; change nothing."""
    numbers = {row.customer_number for row in rows if not row.error}
    people = Customer.objects.in_bulk(numbers, field_name="customer_number")
    for row in rows:
        if not row.error:
            row.customer = people.get(row.customer_number)
            if row.customer is None:
                row.error = _("No customer with this number.")
    restricted = restricted_among({row.customer.pk for row in rows if not row.error})
    for row in rows:
        if not row.error and row.customer.pk in restricted:
            row.restricted = True
            row.error = _restricted()
    new_bans = _new_bans(rows)
    for row in rows:
        if not row.error:
            row.changes = _changes(row.customer, row, new_ban=row.customer.pk in new_bans)
    return ImportReport(rows=rows)


def _restricted() -> str:
    return _(
        "Processing of this person's data is restricted: the privacy officer applies "
        "this row by hand."
    )


def _new_bans(rows: list[Row]) -> set[int]:
    """Return the people for whom a row's marketing ban would be new (one query)."""
    wanted: dict[int, date] = {}
    for row in rows:
        if (not row.error or row.restricted) and row.marketing_ban:
            previous = wanted.get(row.customer.pk)
            wanted[row.customer.pk] = max(previous, row.effective) if previous else row.effective
    return new_address_bans(wanted)


def _is_newer(customer: Customer, field_name: str, effective: date) -> bool:
    """Whether an update effective on `effective` may replace the field's current value."""
    source = customer.source_of(field_name) or {}
    previous = source.get("effective")
    return previous is None or date.fromisoformat(previous) < effective


def _changes(customer: Customer, row: Row, *, new_ban: bool) -> dict[str, tuple[str, str]]:
    changes = {}
    for name, value in row.values.items():
        current = str(getattr(customer, name) or "")
        if current != value and _is_newer(customer, name, row.effective):
            changes[name] = (current, value)
    if (
        row.status is not None
        and row.status != customer.life_status
        and _is_newer(customer, "life_status", row.effective)
    ):
        changes["life_status"] = (customer.life_status, row.status)
    if row.marketing_ban and new_ban:
        changes[MARKETING_BAN] = ("", _("yes"))
    return changes


def apply(report: ImportReport, *, by: Actor | None) -> ImportReport:
    """Apply the changing rows in one transaction; bad and unchanged rows are left alone."""
    with transaction.atomic(), attributed_to(by):
        for row in report.changing:
            # Re-read under lock: the plan may be minutes old (an admin preview).
            customer = Customer.objects.select_for_update().get(pk=row.customer.pk)
            if is_restricted(customer):
                # Restricted since the plan: not applied; a reported ban is still recorded.
                row.restricted = True
                row.error = _restricted()
                row.changes = {}
                continue  # its reported ban, if any, is recorded with the other refused rows
            new_ban = row.marketing_ban and bool(new_address_bans({customer.pk: row.effective}))
            row.changes = _changes(customer, row, new_ban=new_ban)
            fields = [name for name in row.changes if name != MARKETING_BAN]
            if fields:
                for name in fields:
                    setattr(customer, name, row.changes[name][1])
                if "life_status" in row.changes:
                    customer.life_status_effective_on = row.effective
                customer.mark_sources(
                    fields,
                    source=Source.ADDRESS_SERVICE,
                    at=timezone.now().isoformat(),
                    service=row.source,
                    effective=row.effective.isoformat(),
                )
                customer.version = F("version") + 1
                customer.save()
            if MARKETING_BAN in row.changes:
                _record_ban(customer, row, by)
        # A ban only narrows processing: recorded even while processing is restricted.
        for row in report.errors:
            restricted_ban = row.restricted and row.marketing_ban
            if restricted_ban and new_address_bans({row.customer.pk: row.effective}):
                _record_ban(row.customer, row, by)
    report.applied = True
    return report


def _record_ban(customer: Customer, row: Row, by: Actor | None) -> None:
    _ban_book.record(customer, min(row.effective, timezone.localdate()), row.source, by)


def import_file(content: bytes, *, by: Actor | None, dry_run: bool = False) -> ImportReport:
    report = plan(read_rows(content))
    return report if dry_run else apply(report, by=by)


# --- The file between preview and apply --------------------------------------------------------


def keep_pending(content: bytes) -> str:
    """Store an uploaded file until it is applied; return a signed id for the preview's form.

    The file holds people's addresses: it stays in the private storage (never in the page or
    the browser), and goes after apply or after PENDING_MAX_AGE (discard_stale_pending).
    """
    discard_stale_pending()
    name = default_storage.save(f"{PENDING_DIR}/{uuid.uuid4().hex}.csv", ContentFile(content))
    return signing.dumps(name, salt=_PENDING_SALT)


def pending_name(signed_id: str) -> str | None:
    """Return the stored file's name for a signed id still valid, else None."""
    try:
        name = signing.loads(signed_id, salt=_PENDING_SALT, max_age=PENDING_MAX_AGE.total_seconds())
    except signing.BadSignature:
        return None
    if not isinstance(name, str) or not name.startswith(f"{PENDING_DIR}/"):
        return None
    return name if default_storage.exists(name) else None


def read_pending(name: str) -> bytes:
    with default_storage.open(name, "rb") as handle:
        return handle.read()


def discard_pending(name: str) -> None:
    default_storage.delete(name)


def discard_stale_pending(*, now: datetime | None = None) -> int:
    """Delete uploaded files older than PENDING_MAX_AGE; return how many went."""
    cutoff = (now or timezone.now()) - PENDING_MAX_AGE
    try:
        _dirs, files = default_storage.listdir(PENDING_DIR)
    except FileNotFoundError:
        return 0
    gone = 0
    for file_name in files:
        name = f"{PENDING_DIR}/{file_name}"
        if default_storage.get_modified_time(name) < cutoff:
            default_storage.delete(name)
            gone += 1
    return gone
