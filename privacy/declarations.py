"""Personal-data declarations (DESIGN.md, contract 1): the bottom of `privacy`.

Each app says in its own `personal_data.py` which of its models hold personal data and, for each,
why (notice §5 purposes), on what basis, from where (§8), how it reaches the person, how long it is
kept (§11, a `RetentionPolicy`) and what erasure does to it. Export, erasure, restriction,
retention and the rendered privacy notice read this one registry; no code outside an app lists
that app's models again.

Models without personal data are declared too (`not_personal`), with the reason, and so are
trails (`trail`): tables whose rows are about other rows, named by content type and id (the
access log, Django's admin log), which go with the rows they name. Every model of every installed
app is declared one way or the other, so a new one nobody thought about fails the test suite
instead of silently escaping erasure.

The chain inside `privacy` runs one way: declarations ← plan (what deleting a row takes with it)
← erasure ← retention ← tasks, commands, admin and checks.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from django.apps import apps
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext


class Category(models.TextChoices):
    """The data categories of notice §7."""

    BASIC = "basic", _("Basic information")
    RELATIONSHIP = "relationship", _("Customer relationship information")
    OWN_CONTENT = "own_content", _("Content produced by the data subject")
    INSURANCE_OCCUPATIONAL_HEALTH = "insurance", _("Insurance and occupational health")
    SERVICES_PAYMENTS = "services", _("Services wished for and used, with payments")
    CHOICES = "choices", _("Bans, restrictions, consents and other choices")
    WEBSITE_USE = "website", _("Website use")
    CALL_RECORDING = "call_recording", _("Call recordings")


class Purpose(models.TextChoices):
    """The purposes of processing of notice §5."""

    CUSTOMER_CONTACT = "contact", _("Customer contact")
    RELATIONSHIP = (
        "relationship",
        _("Managing the customer relationship, customer service, communication and marketing"),
    )
    ANALYSIS = "analysis", _("Analysis, grouping and reporting; key-account programme")
    FEEDBACK = "feedback", _("Collecting and processing feedback and satisfaction")
    MARKET_RESEARCH = "research", _("Market research and opinion surveys")
    CALL_QUALITY = (
        "call_quality",
        _(
            "Training, service-level studies, instructions and complaint investigation "
            "based on call recordings"
        ),
    )


class Basis(models.TextChoices):
    """Legal bases. Notice §6: no processing rests on legitimate interest, so it is not here."""

    CONTRACT = "contract", _("Contract")
    CONSENT = "consent", _("Consent")
    MANDATE = "mandate", _("Mandate")
    LEGAL_OBLIGATION = "legal_obligation", _("Legal obligation")


class Source(models.TextChoices):
    """Where the data comes from (notice §8)."""

    DATA_SUBJECT = "data_subject", _("The data subject")
    STAFF = "staff", _("Customer service")
    ADDRESS_SERVICE = "address_service", _("Address-update service (DVV)")
    TELEPHONY = "telephony", _("Telephony system")
    WEBSITE = "website", _("Website")


@dataclass(frozen=True)
class Delete:
    """Erasure deletes the rows."""

    def describe(self, model: type[models.Model] | None = None) -> str:
        return str(_("deleted"))


@dataclass(frozen=True)
class Anonymise:
    """Erasure blanks these fields and keeps the row (for statistics that identify nobody)."""

    fields: tuple[str, ...]

    def describe(self, model: type[models.Model] | None = None) -> str:
        """Say what is blanked, by the fields' own names when the model is given."""
        names = list(self.fields)
        if model is not None:
            names = [str(_verbose_name(model, name)) for name in self.fields]
        return str(_("anonymised (%(fields)s)") % {"fields": ", ".join(names)})


@dataclass(frozen=True)
class Keep:
    """Erasure keeps the rows under a named legal duty for a stated period."""

    duty: str
    period: str

    def describe(self, model: type[models.Model] | None = None) -> str:
        return str(_("kept: %(duty)s, %(period)s") % {"duty": self.duty, "period": self.period})


def _verbose_name(model: type[models.Model], name: str) -> str:
    try:
        return model._meta.get_field(name).verbose_name
    except FieldDoesNotExist:
        return name


WHILE_RELATIONSHIP = "while_relationship"

DEFAULT_BATCH_SIZE = 10_000

# The value blank_value returns for a field that cannot be blanked.
NO_BLANK = object()


def blank_value(target: models.Field) -> object:
    """Return the value that blanks a field: NULL if allowed, else '' for text and files, an
    empty container for JSON and arrays; NO_BLANK when there is none."""
    if target.null:
        return None
    if isinstance(target, models.CharField | models.TextField | models.FileField):
        return ""
    if isinstance(target, models.JSONField):
        default = target.get_default() if target.has_default() else None
        return default if isinstance(default, dict | list) and not default else {}
    if isinstance(target, ArrayField):
        return []
    return NO_BLANK


def is_free_text(target: models.Field) -> bool:
    """Whether a field can hold whatever someone typed or uploaded: text without choices, JSON,
    an array of such text, a file. Erasure treats every such field as personal data unless its
    declaration says otherwise (`PersonalData.not_personal_fields`)."""
    if not target.concrete or target.is_relation or target.primary_key:
        return False
    if isinstance(target, ArrayField):
        return is_free_text(target.base_field)
    if isinstance(target, models.FileField | models.JSONField):
        return True
    return isinstance(target, models.CharField | models.TextField) and not target.choices


def file_fields(model: type[models.Model]) -> tuple[models.FileField, ...]:
    """Return the model's file fields (the one place that discovers them)."""
    return tuple(f for f in model._meta.concrete_fields if isinstance(f, models.FileField))


# --- Retention policies -------------------------------------------------------------------------


@dataclass(frozen=True)
class RetentionPolicy:
    """How long rows of one model are kept, and what happens to them afterwards.

    Data declared in code by the app that owns the model, as the `retention` of its
    personal-data declaration (which registers it), or with `policies.register(...)`;
    privacy.retention enforces it.
    """

    name: str
    model: str  # "app_label.ModelName"
    age_field: str  # a DateTimeField or DateField; a row is due `period` after it
    # A timedelta, or a calendar period (relativedelta of years, months, days) counted in whole
    # local days: a row of day D is kept through the day D + period and goes the day after.
    # A period ending on a day its month lacks ends on the month's last day (Finnish law on
    # computing time limits, 150/1930): a year from 29 February ends on 28 February.
    period: timedelta | relativedelta
    action: Delete | Anonymise = field(default_factory=Delete)
    batch_size: int = DEFAULT_BATCH_SIZE
    # The name of a QuerySet method that leaves out rows kept past the period (a hold, say).
    scope: str = ""
    description: str = ""
    # The policy's name for people (translated); by default the model's plural name.
    title: str = ""
    # Whether a run first erases, whole (privacy.erasure), each person whose due rows of this
    # policy were their last reason to be in the register, while those rows still say who.
    erase_people: bool = False
    # What the period counts from, in words, when the age field alone would mislead (the
    # inactivity policy counts from the last contact, of which `created_at` is only one).
    counted_from: str = ""

    @property
    def model_class(self) -> type[models.Model]:
        return apps.get_model(self.model)

    @property
    def is_calendar(self) -> bool:
        return isinstance(self.period, relativedelta)

    def cutoff(self, now: datetime | None = None) -> datetime:
        """Return the moment before which a row's age field makes it due."""
        now = now or timezone.now()
        if not self.is_calendar:
            return now - self.period
        # The start of the first day whose period has not ended yet. Subtracting clamps at a
        # month's end (29.2. - 1 year is 28.2.), so step forward past days already due.
        today = timezone.localtime(now).date()
        first_kept = today - self.period
        while first_kept + self.period < today:
            first_kept += timedelta(days=1)
        return start_of(first_kept)

    def expiry_of(self, moment: datetime | date) -> datetime:
        """Return when a row whose age field holds `moment` becomes due."""
        if not self.is_calendar:
            return moment + self.period
        day = timezone.localtime(moment).date() if isinstance(moment, datetime) else moment
        return start_of(day + self.period + timedelta(days=1))

    def candidates(self, now: datetime | None = None) -> QuerySet:
        """Return the rows that are due now (or at `now`)."""
        queryset = self.model_class._default_manager.all()
        if self.scope:
            queryset = getattr(queryset, self.scope)()
        queryset = queryset.filter(**{f"{self.age_field}__lt": self.cutoff(now)})
        if isinstance(self.action, Anonymise):
            queryset = queryset.exclude(self._anonymised())
        return queryset

    @property
    def display_name(self) -> str:
        """The policy as the privacy officer knows it ("Puhelutallenteet"), never its code."""
        if self.title:
            return str(self.title)
        try:
            return str(self.model_class._meta.verbose_name_plural).capitalize()
        except (LookupError, ValueError):
            return self.name

    def describe(self) -> str:
        """Return the rule in words, for the privacy notice and the admin."""
        action = self.action.describe(self.model_class)
        field_name = (
            self.counted_from or self.model_class._meta.get_field(self.age_field).verbose_name
        )
        if self.is_calendar and not self.period.days:
            months = self.period.years * 12 + self.period.months
            if months % 12 == 0:
                return str(
                    ngettext(
                        "%(action)s %(years)d calendar year after %(field)s",
                        "%(action)s %(years)d calendar years after %(field)s",
                        months // 12,
                    )
                    % {"action": action, "years": months // 12, "field": field_name}
                )
            return str(
                ngettext(
                    "%(action)s %(months)d calendar month after %(field)s",
                    "%(action)s %(months)d calendar months after %(field)s",
                    months,
                )
                % {"action": action, "months": months, "field": field_name}
            )
        days = self.period.days
        return str(
            ngettext(
                "%(action)s %(days)d day after %(field)s",
                "%(action)s %(days)d days after %(field)s",
                days,
            )
            % {"action": action, "days": days, "field": field_name}
        )

    def problems(self) -> list[str]:
        """Return what is wrong with the declaration itself (empty when it is well formed).
        What deleting its rows would run into is the deletion plan's (privacy.plan)."""
        try:
            model = self.model_class
        except (LookupError, ValueError):
            return [f"{self.name}: unknown model {self.model}."]
        found: list[str] = []
        try:
            age = model._meta.get_field(self.age_field)
        except LookupError:
            found.append(f"{self.name}: {self.model} has no field {self.age_field}.")
        else:
            if not isinstance(age, models.DateField):
                found.append(f"{self.name}: {self.age_field} is not a date or time field.")
        if self.is_calendar:
            whole_days = relativedelta(
                years=self.period.years, months=self.period.months, days=self.period.days
            )
            if self.period != whole_days:
                found.append(f"{self.name}: a calendar period is whole years, months and days.")
            elif not date(2001, 1, 1) + self.period > date(2001, 1, 1):
                found.append(f"{self.name}: the period must be positive.")
        elif self.period <= timedelta(0):
            found.append(f"{self.name}: the period must be positive.")
        if self.batch_size <= 0:
            found.append(f"{self.name}: the batch size must be positive.")
        if self.scope and not callable(getattr(model._default_manager.all(), self.scope, None)):
            found.append(f"{self.name}: {self.model}'s QuerySet has no method {self.scope}().")
        if isinstance(self.action, Anonymise):
            for name in self.action.fields:
                try:
                    target = model._meta.get_field(name)
                except LookupError:
                    found.append(f"{self.name}: {self.model} has no field {name}.")
                    continue
                if blank_value(target) is NO_BLANK:
                    found.append(f"{self.name}: {name} cannot be blanked (make it nullable).")
        return found

    def _anonymised(self) -> Q:
        model = self.model_class
        condition = Q()
        for name in self.action.fields:
            blank = blank_value(model._meta.get_field(name))
            condition &= Q(**{f"{name}__isnull": True}) if blank is None else Q(**{name: blank})
        return condition


def start_of(day: date) -> datetime:
    """Return the moment a local day starts."""
    return datetime.combine(day, datetime.min.time(), tzinfo=ZoneInfo(settings.TIME_ZONE))


# --- Declarations -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonalData:
    """How one model holds personal data."""

    model: str  # "app_label.ModelName"
    category: Category
    purposes: tuple[Purpose, ...]
    basis: Basis
    sources: tuple[Source, ...]
    # Lookup path from the model to the Customer it is about; "" when the model is the person.
    subject_path: str
    # A RetentionPolicy, or WHILE_RELATIONSHIP.
    retention: RetentionPolicy | str
    erasure: Delete | Anonymise | Keep
    description: str = ""
    # Every personal-data model has change history (contract 3), unless its rows are never
    # changed and the row itself is the record of its one insert: then history=False, with the
    # reason, and the row names who wrote it.
    history: bool = True
    history_reason: str = ""
    # Whether a row of this model is by itself a reason to keep the person in the register
    # (privacy.erasure.people_without_reason). A row past its retention period never is; when
    # only some rows are, `keeps_person_scope` names the QuerySet method that selects them
    # ("in_force"). A model whose rows are no such reason says why.
    keeps_person: bool = True
    keeps_person_scope: str = ""
    keeps_person_reason: str = ""
    # Erasure blanks every free-text field (is_free_text) of rows it anonymises, besides the
    # fields its Anonymise names, except these: {field name: why it holds nothing personal}.
    not_personal_fields: dict[str, str] = field(default_factory=dict)
    # Rows about several people (a disclosure's copy, say): the name of a QuerySet method,
    # `method(customer=...)`, that takes one person out of the rows shared with others (their
    # lines out of a shared file) and returns [(pk, file field name, replaced storage name)] of
    # the rows it rewrote. Erasure leaves those rows' files, queues the replaced ones for
    # deletion, and blanks the rest as declared.
    takes_person_out: str = ""
    # A date or time field that records a dealing with the person (a service used, feedback
    # given, a consent recorded): the inactivity policy (the person declaration's retention)
    # erases nobody with such a row newer than its period.
    contact_field: str = ""
    # The name of a QuerySet method selecting rows that forbid erasing the person (a payment
    # still being collected: GDPR Art. 17(3)(e)), and the reason erasure and its preview give.
    blocks_erasure: str = ""
    blocks_erasure_reason: str = ""
    # Rows erasure keeps under a legal duty although the rest go (`erasure` is Delete):
    # `duty` names the duty and period; `duty_rows` a QuerySet method, `method(customer=...)`,
    # answering {pk: the last day the row is kept} for the preview; `keep_for_duty` the method,
    # `method(customer=...)`, that detaches those rows from the person (they keep only what the
    # duty needs) and returns their ids. The declaration's retention policy removes them when
    # the duty ends.
    duty: Keep | None = None
    duty_rows: str = ""
    keep_for_duty: str = ""

    def __post_init__(self) -> None:
        if not self.history and not self.history_reason:
            raise ValueError(f"{self.model}: a model without change history needs the reason.")
        if not self.keeps_person and not self.keeps_person_reason:
            raise ValueError(f"{self.model}: say why its rows are no reason to keep the person.")
        if self.keeps_person_scope and not self.keeps_person:
            raise ValueError(f"{self.model}: keeps_person_scope needs keeps_person.")
        if not self.purposes:
            raise ValueError(f"{self.model}: a personal-data declaration needs a purpose.")
        if not self.sources:
            raise ValueError(f"{self.model}: a personal-data declaration needs a source.")
        if self.retention != WHILE_RELATIONSHIP and not isinstance(self.retention, RetentionPolicy):
            raise ValueError(f"{self.model}: retention is a RetentionPolicy or WHILE_RELATIONSHIP.")
        if any(not reason for reason in self.not_personal_fields.values()):
            raise ValueError(f"{self.model}: say why each field is not personal.")
        if self.blocks_erasure and not self.blocks_erasure_reason:
            raise ValueError(f"{self.model}: say why its rows block erasure.")
        if bool(self.duty) != bool(self.duty_rows) or bool(self.duty) != bool(self.keep_for_duty):
            raise ValueError(f"{self.model}: a duty needs duty_rows and keep_for_duty.")

    @property
    def model_class(self) -> type[models.Model]:
        return apps.get_model(self.model)

    def subject_filter(self, customer_pk: int) -> dict[str, int]:
        """Return the queryset filter that selects this model's rows about one person."""
        return {f"{self.subject_path}__pk" if self.subject_path else "pk": customer_pk}

    def erased_fields(self) -> tuple[models.Field, ...]:
        """Return the fields erasure blanks in the rows it keeps (Anonymise): the named ones
        and every free-text field not declared to hold nothing personal."""
        if not isinstance(self.erasure, Anonymise):
            return ()
        opts = self.model_class._meta
        named = [opts.get_field(name) for name in self.erasure.fields]
        text = [
            f
            for f in opts.concrete_fields
            if is_free_text(f) and f.name not in self.not_personal_fields and f not in named
        ]
        return (*named, *text)


@dataclass(frozen=True)
class Trail:
    """A model whose rows are about other rows, named by content type and id (an audit trail).

    Its entries about a row go with the row, wherever a row is deleted (privacy.plan): by
    erasure and by retention. When a row is only anonymised, its entries stay and their
    `text_fields` (a label copied from the row, say) are blanked.
    """

    model: str
    # (content-type field, object-id field) pairs, each naming the row an entry is about.
    references: tuple[tuple[str, str], ...]
    text_fields: tuple[str, ...] = ()
    description: str = ""

    @property
    def model_class(self) -> type[models.Model]:
        return apps.get_model(self.model)


@dataclass
class Registry:
    """Every declaration: personal data, trails, models without personal data, and the
    retention policies; one registry, filled when the apps' personal_data modules load."""

    personal: dict[str, PersonalData] = field(default_factory=dict)
    trails: dict[str, Trail] = field(default_factory=dict)
    not_personal_reasons: dict[str, str] = field(default_factory=dict)
    policies: dict[str, RetentionPolicy] = field(default_factory=dict)

    def _claim(self, model: str) -> str:
        key = model.lower()
        if key in self.personal or key in self.not_personal_reasons or key in self.trails:
            raise ValueError(f"{model} is declared twice.")
        return key

    def declare(self, declaration: PersonalData) -> None:
        """Register the declaration, and its retention policy."""
        self.personal[self._claim(declaration.model)] = declaration
        if isinstance(declaration.retention, RetentionPolicy):
            self.register_policy(declaration.retention)

    def declare_not_personal(self, model: str, *, reason: str) -> None:
        self.not_personal_reasons[self._claim(model)] = reason

    def declare_trail(self, declaration: Trail) -> None:
        self.trails[self._claim(declaration.model)] = declaration

    def register_policy(self, policy: RetentionPolicy) -> RetentionPolicy:
        existing = self.policies.get(policy.name)
        if existing is not None and existing is not policy:
            raise ValueError(f"Two retention policies are called {policy.name}.")
        self.policies[policy.name] = policy
        return policy

    def for_model(self, model: type[models.Model]) -> PersonalData | None:
        return self.personal.get(model._meta.label_lower)

    def is_declared(self, model: type[models.Model]) -> bool:
        label = model._meta.label_lower
        return label in self.personal or label in self.not_personal_reasons or label in self.trails

    def declarations(self) -> list[PersonalData]:
        return list(self.personal.values())

    def trail_declarations(self) -> list[Trail]:
        return list(self.trails.values())


class Policies:
    """The registry's retention policies, by name (what `privacy.retention.policies` was)."""

    def __init__(self, source: Registry) -> None:
        self._registry = source

    def register(self, policy: RetentionPolicy) -> RetentionPolicy:
        return self._registry.register_policy(policy)

    def get(self, name: str) -> RetentionPolicy:
        try:
            return self._registry.policies[name]
        except KeyError:
            raise LookupError(f"No retention policy is called {name}.") from None

    def __iter__(self) -> Iterator[RetentionPolicy]:
        return iter(sorted(self._registry.policies.values(), key=lambda p: p.name))

    def names(self) -> list[str]:
        return sorted(self._registry.policies)


registry = Registry()
policies = Policies(registry)
declare = registry.declare
not_personal = registry.declare_not_personal
trail = registry.declare_trail
