"""The register's people and the companies they represent (notice §5, §7)."""

from __future__ import annotations

from datetime import date, timedelta

import pghistory
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import TrigramWordSimilarity
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import Coalesce, Greatest, TruncMonth, Upper
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from phonenumber_field.modelfields import PhoneNumberField
from rapidfuzz.distance import OSA

from customers.accounting import voucher_kept_until, voucher_year_end
from customers.lookups import escape_like
from customers.validators import validate_business_id, validate_postal_code
from privacy.objection import Processing, processable

CUSTOMER_NUMBER_SEQUENCE = "customers_customer_number_seq"
_WEIGHTS = (7, 3, 1)


def customer_number_check_digit(base: str) -> str:
    """Return the check digit of a customer number's base (the Finnish 7-3-1 method).

    The same method as Finnish bank reference numbers, so any single mistyped digit and most
    swaps of neighbouring digits give a number that does not validate.
    """
    total = sum(int(digit) * _WEIGHTS[i % 3] for i, digit in enumerate(reversed(base)))
    return str((10 - total % 10) % 10)


def is_valid_customer_number(number: str) -> bool:
    return (
        number.isdigit()
        and len(number) >= 2
        and customer_number_check_digit(number[:-1]) == number[-1]
    )


class Source(models.TextChoices):
    """Where a value came from (notice §8)."""

    CUSTOMER = "customer", _("The customer")
    STAFF = "staff", _("Customer service")
    ADDRESS_SERVICE = "address_service", _("Address-update service")


class ContactMethod(models.TextChoices):
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")
    SMS = "sms", _("Text message")
    LETTER = "letter", _("Letter")
    NONE = "none", _("No contact")


class Language(models.TextChoices):
    FINNISH = "fi", _("Finnish")
    SWEDISH = "sv", _("Swedish")
    ENGLISH = "en", _("English")


class LifeStatus(models.TextChoices):
    """Set by an address update; anything but ACTIVE stops all marketing."""

    ACTIVE = "active", _("Active")
    DECEASED = "deceased", _("Deceased")
    MOVED_ABROAD = "moved_abroad", _("Moved abroad")


# Fields whose origin is recorded per value (Customer.field_sources).
SOURCED_FIELDS = (
    "first_name",
    "last_name",
    "street_address",
    "postal_code",
    "city",
    "country",
    "email",
    "phone",
    "preferred_contact_method",
    "preferred_language",
    "wishes",
    "interests",
    "life_status",
)


class CustomerQuerySet(models.QuerySet):
    def next_customer_number(self) -> str:
        """Take the next number from the database sequence and append its check digit."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(%s)", [CUSTOMER_NUMBER_SEQUENCE])
            (base,) = cursor.fetchone()
        return f"{base}{customer_number_check_digit(str(base))}"

    def possible_duplicates(
        self,
        *,
        email: str = "",
        phone: str = "",
        first_name: str = "",
        last_name: str = "",
        street_address: str = "",
        postal_code: str = "",
    ) -> CustomerQuerySet:
        """People with the same email, the same phone, or the same name and address."""
        condition = Q(pk__in=[])
        if email:
            condition |= Q(email__iexact=email)
        if phone:
            condition |= Q(phone=phone)
        if first_name and last_name and street_address and postal_code:
            condition |= Q(
                first_name__iexact=first_name,
                last_name__iexact=last_name,
                street_address__iexact=street_address,
                postal_code=postal_code,
            )
        return self.filter(condition)

    def analysable(self) -> CustomerQuerySet:
        """People whose data the reports, groups and the key-account programme may use: no
        restriction, and no objection that stops analysis (privacy.objection)."""
        return processable(self, processing=Processing.ANALYSIS)

    def count_by_city(self) -> list[tuple[str, int]]:
        """Return (city, people) pairs, largest first; people without a city under ""."""
        rows = self.values("city").annotate(n=Count("pk")).order_by("-n", "city")
        return [(row["city"], row["n"]) for row in rows]

    def new_per_month(self, *, months: int = 12) -> list[tuple[date, int]]:
        """Return (first day of month, people added) for the last `months` months, gaps as 0."""
        today = timezone.localdate()
        first = date(today.year, today.month, 1)
        for _step in range(months - 1):
            first = (first - timedelta(days=1)).replace(day=1)
        rows = (
            self.filter(created_at__date__gte=first)
            .annotate(month=TruncMonth("created_at"))
            .values("month")
            .annotate(n=Count("pk"))
        )
        counts = {row["month"].date(): row["n"] for row in rows}
        result, month = [], first
        while month <= today:
            result.append((month, counts.get(month, 0)))
            month = (month + timedelta(days=32)).replace(day=1)
        return result

    def with_role_in(self, companies: models.QuerySet[Company]) -> CustomerQuerySet:
        return self.filter(
            Exists(ContactRole.objects.filter(customer=OuterRef("pk"), company__in=companies))
        )


@pghistory.track()
class Customer(models.Model):
    """A natural person in the register: a customer, a contact person of a company, or both."""

    customer_number = models.CharField(_("customer number"), max_length=12, unique=True)
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    street_address = models.CharField(_("street address"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = CountryField(_("country"), default="FI")
    email = models.EmailField(_("email"), blank=True)
    phone = PhoneNumberField(_("phone"), blank=True)
    preferred_contact_method = models.CharField(
        _("preferred contact method"),
        max_length=10,
        choices=ContactMethod.choices,
        default=ContactMethod.EMAIL,
    )
    preferred_language = models.CharField(
        _("preferred language"), max_length=2, choices=Language.choices, default=Language.FINNISH
    )
    wishes = models.TextField(_("wishes"), blank=True)
    interests = models.TextField(_("interests"), blank=True)
    life_status = models.CharField(
        _("status"), max_length=20, choices=LifeStatus.choices, default=LifeStatus.ACTIVE
    )
    life_status_effective_on = models.DateField(_("status effective"), null=True, blank=True)
    # {"field": {"source": Source, "at": ISO time}} for each of SOURCED_FIELDS.
    field_sources = models.JSONField(_("sources of values"), default=dict, blank=True)
    groups = models.ManyToManyField(
        "CustomerGroup", through="GroupMembership", related_name="customers", blank=True
    )
    # Optimistic locking: a save names the version it started from (customers.services).
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = CustomerQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["last_name", "first_name", "pk"]
        permissions = [
            ("view_reports", _("Can view customer reports")),
            ("import_address_updates", _("Can import address updates")),
        ]
        indexes = [
            # Names are searched through the KnownName dictionary, then found here by whole
            # name: b-tree indexes that also answer counts and ordered pages by themselves.
            # fastupdate off: a pending list makes every search scan it until the next vacuum.
            GinIndex(
                fields=["email"],
                opclasses=["gin_trgm_ops"],
                name="customer_email_trgm",
                fastupdate=False,
            ),
            models.Index(fields=["first_name", "last_name", "id"], name="customer_first_name"),
            # Search by phone (normalised to E.164) and the duplicate check.
            models.Index(fields=["phone"], name="customer_phone"),
            models.Index(Upper("email"), name="customer_email_upper"),
            # Sorted lists and reports.
            models.Index(fields=["last_name", "first_name", "id"], name="customer_name_order"),
            models.Index(fields=["city"], name="customer_city"),
            models.Index(fields=["created_at"], name="customer_created"),
        ]
        constraints = [
            models.CheckConstraint(
                name="customer_number_digits", condition=Q(customer_number__regex=r"^[0-9]{2,12}$")
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args: object, **kwargs: object) -> None:
        if not self.customer_number:
            self.customer_number = Customer.objects.next_customer_number()
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        """Return the person's page (linked from the admin's access log and history)."""
        return reverse("customers:detail", kwargs={"pk": self.pk})

    def clean(self) -> None:
        if self.country == "FI" and self.postal_code:
            try:
                validate_postal_code(self.postal_code)
            except ValidationError as error:
                raise ValidationError({"postal_code": error}) from None

    @property
    def full_name(self) -> str:
        """Return the first and last name."""
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def is_reachable(self) -> bool:
        """Whether the person can be contacted at all (not deceased, not moved abroad)."""
        return self.life_status == LifeStatus.ACTIVE

    def source_of(self, field: str) -> dict[str, str] | None:
        """Return where a value came from and when, if known."""
        return self.field_sources.get(field)

    def mark_sources(
        self, fields: list[str], *, source: Source, at: str | None = None, **details: str
    ) -> None:
        """Record the origin of these values (no save); `details` name the service and the
        effective date of an address update."""
        stamp = at or timezone.now().isoformat()
        for field in fields:
            self.field_sources[field] = {"source": str(source), "at": stamp, **details}


class KnownNameQuerySet(models.QuerySet):
    def containing(self, *words: str) -> list[str]:
        """Return the names that contain one of the words, ignoring case (the trigram
        index)."""
        condition = Q()
        for word in words:
            condition |= Q(name__ilike=f"%{escape_like(word)}%")
        return list(self.filter(condition).values_list("name", flat=True))

    def nearest(self, word: str, *, limit: int, threshold: float) -> list[str]:
        """Return up to `limit` names closest to `word`, closest first.

        Trigrams find the candidates (the index); they rank a transposition badly ("Heikkliä"
        shares as many trigrams with "Heikki" as with "Heikkilä"), so the candidates are
        ranked by edit distance counting a swap of neighbouring letters as one edit, then by
        difference in length, then by trigram similarity."""
        similarity = TrigramWordSimilarity(word, "name")
        candidates = list(
            self.annotate(similarity=similarity)
            .filter(similarity__gte=threshold)
            .order_by("-similarity", "name")
            .values_list("name", "similarity")[: limit * 8]
        )
        # A swap of two neighbouring letters can leave too few trigrams in common ("Ahnoen"
        # and "Ahonen" share 3 of 11): the names that the word with one swap undone spells
        # are candidates too, looked up by primary key in the spellings names are written in.
        typed = word.lower()
        swapped = {
            typed[:i] + typed[i + 1] + typed[i] + typed[i + 2 :] for i in range(len(typed) - 1)
        }
        spellings = {variant.capitalize() for variant in swapped} | {
            "-".join(part.capitalize() for part in variant.split("-")) for variant in swapped
        }
        seen = {name for name, _similarity in candidates}
        candidates += [
            (name, 0.0)
            for name in self.filter(name__in=spellings - seen).values_list("name", flat=True)
        ]
        candidates.sort(
            key=lambda candidate: (
                OSA.distance(typed, candidate[0].lower()),
                abs(len(candidate[0]) - len(word)),
                -candidate[1],
                candidate[0],
            )
        )
        return [name for name, _similarity in candidates[:limit]]

    def prune(self) -> int:
        """Delete names nobody bears any more; return how many went."""
        in_use = Customer.objects.filter(
            Q(first_name=OuterRef("name")) | Q(last_name=OuterRef("name"))
        )
        deleted, _by_model = self.exclude(Exists(in_use)).delete()
        return deleted

    def add_missing(self) -> int:
        """Add names borne by people but missing here (rows written with triggers off, such
        as a bulk load); return how many were added. Search finds people only by known names."""
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {KnownName._meta.db_table} (name) "  # noqa: S608 (model metadata)
                f"SELECT first_name FROM {Customer._meta.db_table} "
                f"UNION SELECT last_name FROM {Customer._meta.db_table} "
                "ON CONFLICT DO NOTHING"
            )
            return cursor.rowcount


class KnownName(models.Model):
    """Every distinct first and last name in the register, kept by a database trigger.

    A name fragment or a mistyped name is matched against these few thousand strings rather
    than a million rows; the people bearing the matching names are then found, counted and
    paged through the b-tree indexes on (last_name, first_name, id) and (first_name,
    last_name, id). A name leaves this table with the last person who bears it (the trigger,
    and the daily `prune-known-names` job, which also adds any name written with triggers off).
    """

    name = models.CharField(_("name"), max_length=100, primary_key=True)

    objects = KnownNameQuerySet.as_manager()

    class Meta:
        verbose_name = _("known name")
        verbose_name_plural = _("known names")
        indexes = [
            GinIndex(
                fields=["name"], opclasses=["gin_trgm_ops"], name="knownname_trgm", fastupdate=False
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CompanyQuerySet(models.QuerySet):
    def key_accounts_with_contact_counts(self) -> CompanyQuerySet:
        """Key accounts with how many current contact persons the reports may count."""
        today = timezone.localdate()
        counted = (
            Q(roles__started_on__lte=today)
            & (Q(roles__ended_on__isnull=True) | Q(roles__ended_on__gte=today))
            & Q(roles__customer__in=Customer.objects.analysable().values("pk"))
        )
        return (
            self.filter(is_key_account=True)
            .annotate(contact_count=Count("roles__customer", filter=counted, distinct=True))
            .order_by("-contact_count", "name", "pk")
        )


class CompanyStatus(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    PROSPECT = "prospect", _("Prospect")
    FORMER = "former", _("Former customer")


class Company(models.Model):
    """A corporate customer, existing or prospective."""

    name = models.CharField(_("name"), max_length=200)
    business_id = models.CharField(
        _("business ID"), max_length=9, unique=True, validators=[validate_business_id]
    )
    status = models.CharField(
        _("status"), max_length=10, choices=CompanyStatus.choices, default=CompanyStatus.PROSPECT
    )
    is_key_account = models.BooleanField(_("key account"), default=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    objects = CompanyQuerySet.as_manager()

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        ordering = ["name", "pk"]
        indexes = [
            GinIndex(
                fields=["name"],
                opclasses=["gin_trgm_ops"],
                name="company_name_trgm",
                fastupdate=False,
            ),
        ]
        constraints = [
            models.CheckConstraint(
                name="company_business_id_format",
                condition=Q(business_id__regex=r"^[0-9]{7}-[0-9]$"),
            ),
        ]

    def __str__(self) -> str:
        return self.name


def inactivity_cutoff(today: date | None = None) -> date:
    """Return the first day whose dealings still count as contact (INACTIVITY_YEARS back)."""
    return (today or timezone.localdate()) - relativedelta(years=settings.INACTIVITY_YEARS)


class ContactRoleQuerySet(models.QuerySet):
    def current(self, on: date | None = None) -> ContactRoleQuerySet:
        day = on or timezone.localdate()
        return self.filter(Q(ended_on__isnull=True) | Q(ended_on__gte=day), started_on__lte=day)

    def with_last_activity(self) -> ContactRoleQuerySet:
        """Annotate `last_activity`: the later of the start and the last confirmation."""
        return self.annotate(
            last_activity=Greatest("started_on", Coalesce("confirmed_on", "started_on"))
        )

    def due_for_review(self, today: date | None = None) -> ContactRoleQuerySet:
        """Return the open-ended roles not yet on the review list with no confirmation or
        activity for CONTACT_ROLE_REVIEW_MONTHS."""
        day = today or timezone.localdate()
        quiet_since = day - relativedelta(months=settings.CONTACT_ROLE_REVIEW_MONTHS)
        return (
            self.filter(ended_on__isnull=True, review_listed_on__isnull=True)
            .with_last_activity()
            .filter(last_activity__lt=quiet_since)
        )

    def on_review_list(self) -> ContactRoleQuerySet:
        """Return the roles waiting for customer service to confirm or end them."""
        return self.filter(ended_on__isnull=True, review_listed_on__isnull=False)

    def unanswered(self, today: date | None = None) -> ContactRoleQuerySet:
        """Return the roles left on the review list CONTACT_ROLE_REVIEW_GRACE_MONTHS or more."""
        day = today or timezone.localdate()
        grace = relativedelta(months=settings.CONTACT_ROLE_REVIEW_GRACE_MONTHS)
        # The last listing day whose grace has run out by `day`: subtracting months clamps at
        # a month's end (28.2. - 3 months is 28.11.), so step forward while the next day's
        # grace has run out too (30.11. + 3 months is 28.2.).
        listed_by = day - grace
        while listed_by + timedelta(days=1) + grace <= day:
            listed_by += timedelta(days=1)
        return self.on_review_list().filter(review_listed_on__lte=listed_by)


@pghistory.track()
class ContactRole(models.Model):
    """A person's role (tehtävä) in a company, for prospects too."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="roles", verbose_name=_("person")
    )
    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="roles", verbose_name=_("company")
    )
    title = models.CharField(_("role in the company"), max_length=150)
    work_email = models.EmailField(_("work email"), blank=True)
    work_phone = PhoneNumberField(_("work phone"), blank=True)
    started_on = models.DateField(_("started"), default=timezone.localdate)
    ended_on = models.DateField(_("ended"), null=True, blank=True)
    # The last time customer service confirmed the role still holds (the review list).
    confirmed_on = models.DateField(_("confirmed"), null=True, blank=True, editable=False)
    # When the role went onto the review list; cleared by a confirmation or an end.
    review_listed_on = models.DateField(
        _("on the review list since"), null=True, blank=True, editable=False
    )

    objects = ContactRoleQuerySet.as_manager()

    class Meta:
        verbose_name = _("contact role")
        verbose_name_plural = _("contact roles")
        ordering = ["-started_on", "pk"]
        constraints = [
            models.CheckConstraint(
                name="contactrole_ends_after_start",
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
            ),
        ]
        indexes = [
            # Retention of ended roles.
            models.Index(
                fields=["ended_on"], name="contactrole_ended", condition=Q(ended_on__isnull=False)
            ),
            # The review list and its automatic ending, oldest first.
            models.Index(
                fields=["review_listed_on", "id"],
                name="contactrole_review",
                condition=Q(ended_on__isnull=True, review_listed_on__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title}, {self.company}"

    @property
    def is_current(self) -> bool:
        today = timezone.localdate()
        return self.started_on <= today and (self.ended_on is None or self.ended_on >= today)

    @property
    def review_ends_on(self) -> date | None:
        """Return the day the role is ended unless confirmed (None: not on the review list)."""
        if self.review_listed_on is None:
            return None
        return self.review_listed_on + relativedelta(
            months=settings.CONTACT_ROLE_REVIEW_GRACE_MONTHS
        )


class ServiceStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    BOOKED = "booked", _("Booked")
    USED = "used", _("Used")
    CANCELLED = "cancelled", _("Cancelled")


class PaymentStatus(models.TextChoices):
    UNPAID = "unpaid", _("Unpaid")
    PAID = "paid", _("Paid")
    INVOICED_TO_EMPLOYER = "employer", _("Invoiced to the employer")
    REFUNDED = "refunded", _("Refunded")


class CollectionStatus(models.TextChoices):
    NONE = "none", _("No collection")
    REMINDED = "reminded", _("Payment reminder sent")
    IN_COLLECTION = "collection", _("In collection")
    COLLECTED = "collected", _("Collected")
    WRITTEN_OFF = "written_off", _("Written off")


OPEN_COLLECTION = (CollectionStatus.REMINDED, CollectionStatus.IN_COLLECTION)


def _open_collection() -> Q:
    return Q(collection_status__in=OPEN_COLLECTION) | Q(
        status=ServiceStatus.USED,
        payment_status=PaymentStatus.UNPAID,
        collection_status=CollectionStatus.NONE,
        price__gt=0,
    )


class ServiceUseQuerySet(models.QuerySet):
    def open_collection(self) -> ServiceUseQuerySet:
        """Return the rows with a payment still owed: a used service unpaid, or one being
        reminded of or collected. The person cannot be erased meanwhile (GDPR Art. 17(3)(e))."""
        return self.filter(_open_collection())

    def in_relationship(self) -> ServiceUseQuerySet:
        """Return the rows that keep the person a customer: a collection still open, or a
        service used, booked or asked for within INACTIVITY_YEARS (or still ahead)."""
        return self.filter(_open_collection() | Q(date__gte=inactivity_cutoff()))

    def vouchers(self) -> ServiceUseQuerySet:
        """Return the rows that record a booked sale (a service used, priced, and settled:
        paid, refunded, invoiced, collected or written off): what the Accounting Act keeps."""
        return self.filter(status=ServiceStatus.USED, price__gt=0).exclude(_open_collection())

    def detached(self) -> ServiceUseQuerySet:
        """Return the vouchers kept after their person's erasure."""
        return self.filter(customer__isnull=True)

    def kept_for_accounting(self, *, customer: Customer) -> dict[int, date]:
        """Return {id: last day kept} of the person's vouchers still under the Accounting Act's
        duty (KPL 2:10 §, customers.accounting): what erasing the person keeps."""
        today = timezone.localdate()
        kept = {}
        for pk, day in self.filter(customer=customer).vouchers().values_list("pk", "date"):
            until = voucher_kept_until(day)
            if until >= today:
                kept[pk] = until
        return kept

    def keep_for_accounting(self, *, customer: Customer) -> list[int]:
        """Detach those vouchers from the person being erased, keeping on each only who paid
        (name and customer number) and the year its six years count from; return their ids.
        Erasure deletes the person's other rows."""
        kept = self.kept_for_accounting(customer=customer)
        for pk, day in ServiceUse._base_manager.filter(pk__in=kept).values_list("pk", "date"):
            ServiceUse._base_manager.filter(pk=pk).update(
                customer=None,
                payer_name=customer.full_name[:200],
                payer_number=customer.customer_number,
                accounting_year_end=voucher_year_end(day),
            )
        return list(kept)


@pghistory.track()
class ServiceUse(models.Model):
    """A service the person asked for or used, with its payment and collection status.

    When the person is erased, a row recording a booked sale is kept for the Accounting Act
    (customers.accounting) without its link to the person: `customer` is then empty and the
    row names only who paid, until its retention ends."""

    customer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="services",
        verbose_name=_("customer"),
    )
    service = models.CharField(_("service"), max_length=150)
    status = models.CharField(
        _("status"), max_length=10, choices=ServiceStatus.choices, default=ServiceStatus.USED
    )
    date = models.DateField(_("date"))
    price = models.DecimalField(_("price (€)"), max_digits=9, decimal_places=2)
    payment_status = models.CharField(
        _("payment"), max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.UNPAID
    )
    collection_status = models.CharField(
        _("collection"),
        max_length=12,
        choices=CollectionStatus.choices,
        default=CollectionStatus.NONE,
    )
    # Set only when the person is erased and the row kept as an accounting voucher.
    payer_name = models.CharField(_("payer"), max_length=200, blank=True, editable=False)
    payer_number = models.CharField(
        _("payer's customer number"), max_length=12, blank=True, editable=False
    )
    accounting_year_end = models.DateField(
        _("end of the accounting year"), null=True, blank=True, editable=False
    )

    objects = ServiceUseQuerySet.as_manager()

    class Meta:
        verbose_name = _("service used")
        verbose_name_plural = _("services used")
        ordering = ["-date", "-pk"]
        constraints = [
            models.CheckConstraint(name="serviceuse_price_not_negative", condition=Q(price__gte=0)),
            # A row without its person is a kept voucher, and knows when its duty ends.
            models.CheckConstraint(
                name="serviceuse_detached_is_voucher",
                condition=Q(customer__isnull=False) | Q(accounting_year_end__isnull=False),
            ),
        ]
        indexes = [
            # Retention of kept vouchers (ACCOUNTING_VOUCHERS).
            models.Index(
                fields=["accounting_year_end"],
                name="serviceuse_voucher_year",
                condition=Q(customer__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service} {self.date:%d.%m.%Y}"


class InsuranceQuerySet(models.QuerySet):
    def in_force(self) -> InsuranceQuerySet:
        """Return the policies valid today or later (an open-ended one keeps nobody by itself:
        the services it serves do)."""
        return self.filter(valid_until__gte=timezone.localdate())


@pghistory.track()
class Insurance(models.Model):
    """An insurance policy concerning the person."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="insurances", verbose_name=_("customer")
    )
    insurer = models.CharField(_("insurer"), max_length=150)
    policy_reference = models.CharField(_("policy reference"), max_length=60)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    objects = InsuranceQuerySet.as_manager()

    class Meta:
        verbose_name = _("insurance")
        verbose_name_plural = _("insurances")
        ordering = ["insurer", "pk"]
        constraints = [
            models.CheckConstraint(
                name="insurance_valid_range",
                condition=Q(valid_until__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_until__gte=models.F("valid_from")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.insurer} {self.policy_reference}"


class OccupationalHealthContract(models.Model):
    """A company's occupational-health contract (työterveyssopimus)."""

    class Level(models.TextChoices):
        STATUTORY = "statutory", _("Statutory (preventive) care")
        MEDICAL = "medical", _("Statutory and medical care")

    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="contracts", verbose_name=_("company")
    )
    contract_number = models.CharField(_("contract number"), max_length=30, unique=True)
    level = models.CharField(
        _("scope"), max_length=10, choices=Level.choices, default=Level.STATUTORY
    )
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"), null=True, blank=True)

    class Meta:
        verbose_name = _("occupational health contract")
        verbose_name_plural = _("occupational health contracts")
        ordering = ["-starts_on", "pk"]
        constraints = [
            models.CheckConstraint(
                name="ohcontract_valid_range",
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract_number} ({self.company})"


class OccupationalHealthCoverageQuerySet(models.QuerySet):
    def in_force(self) -> OccupationalHealthCoverageQuerySet:
        """Return the coverages in force today or later, under a contract in force."""
        today = timezone.localdate()
        return self.filter(
            Q(ends_on__isnull=True) | Q(ends_on__gte=today),
            Q(contract__ends_on__isnull=True) | Q(contract__ends_on__gte=today),
        )


@pghistory.track()
class OccupationalHealthCoverage(models.Model):
    """The person's coverage under a company's occupational-health contract."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="coverages", verbose_name=_("customer")
    )
    contract = models.ForeignKey(
        OccupationalHealthContract,
        on_delete=models.PROTECT,
        related_name="coverages",
        verbose_name=_("contract"),
    )
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"), null=True, blank=True)

    objects = OccupationalHealthCoverageQuerySet.as_manager()

    class Meta:
        verbose_name = _("occupational health coverage")
        verbose_name_plural = _("occupational health coverages")
        ordering = ["-starts_on", "pk"]
        constraints = [
            models.CheckConstraint(
                name="ohcoverage_valid_range",
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
            ),
        ]

    def __str__(self) -> str:
        return str(self.contract)


class CustomerGroupQuerySet(models.QuerySet):
    def with_member_counts(self) -> CustomerGroupQuerySet:
        return self.annotate(member_count=Count("memberships")).order_by("-member_count", "name")

    def with_analysable_member_counts(self) -> CustomerGroupQuerySet:
        """Groups with how many of their members the reports may count (Customer.analysable)."""
        counted = Q(memberships__customer__in=Customer.objects.analysable().values("pk"))
        return self.annotate(member_count=Count("memberships", filter=counted)).order_by(
            "-member_count", "name"
        )


class CustomerGroup(models.Model):
    """A named group staff put customers in (analysis and the key-account programme, §5)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)

    objects = CustomerGroupQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer group")
        verbose_name_plural = _("customer groups")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


@pghistory.track()
class GroupMembership(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="memberships")
    group = models.ForeignKey(CustomerGroup, on_delete=models.CASCADE, related_name="memberships")
    added_at = models.DateTimeField(_("added"), default=timezone.now)

    class Meta:
        verbose_name = _("group membership")
        verbose_name_plural = _("group memberships")
        constraints = [
            models.UniqueConstraint(fields=["customer", "group"], name="groupmembership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} ∈ {self.group_id}"
