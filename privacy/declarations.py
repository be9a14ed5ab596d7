"""Personal-data declarations (DESIGN.md, contract 1).

Each app says in its own `personal_data.py` which of its models hold personal data and, for each,
why (notice §5 purposes), on what basis, from where (§8), how it reaches the person, how long it is
kept (§11) and what erasure does to it. Export, erasure, restriction, retention and the rendered
privacy notice read this registry; no code outside an app lists that app's models again.

Models without personal data are declared too (`not_personal`), with the reason, so that a new
model nobody thought about fails the test suite instead of silently escaping erasure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.apps import apps
from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from privacy.retention import RetentionPolicy


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

    def describe(self) -> str:
        return str(_("deleted"))


@dataclass(frozen=True)
class Anonymise:
    """Erasure blanks these fields and keeps the row (for statistics that identify nobody)."""

    fields: tuple[str, ...]

    def describe(self) -> str:
        return str(_("anonymised (%(fields)s)") % {"fields": ", ".join(self.fields)})


@dataclass(frozen=True)
class Keep:
    """Erasure keeps the rows under a named legal duty for a stated period."""

    duty: str
    period: str

    def describe(self) -> str:
        return str(_("kept: %(duty)s, %(period)s") % {"duty": self.duty, "period": self.period})


WHILE_RELATIONSHIP = "while_relationship"


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
    # A retention policy (privacy.retention), or WHILE_RELATIONSHIP.
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
        from privacy.retention import RetentionPolicy

        if self.retention != WHILE_RELATIONSHIP and not isinstance(self.retention, RetentionPolicy):
            raise ValueError(f"{self.model}: retention is a RetentionPolicy or WHILE_RELATIONSHIP.")

    @property
    def model_class(self) -> type[models.Model]:
        return apps.get_model(self.model)

    def subject_filter(self, customer_pk: int) -> dict[str, int]:
        """Return the queryset filter that selects this model's rows about one person."""
        return {f"{self.subject_path}__pk" if self.subject_path else "pk": customer_pk}


@dataclass
class Registry:
    personal: dict[str, PersonalData] = field(default_factory=dict)
    not_personal_reasons: dict[str, str] = field(default_factory=dict)

    def declare(self, declaration: PersonalData) -> None:
        """Register the declaration, and its retention policy with the retention engine."""
        from privacy.retention import RetentionPolicy, policies

        key = declaration.model.lower()
        if key in self.personal or key in self.not_personal_reasons:
            raise ValueError(f"{declaration.model} is declared twice.")
        self.personal[key] = declaration
        if isinstance(declaration.retention, RetentionPolicy):
            policies.register(declaration.retention)

    def declare_not_personal(self, model: str, *, reason: str) -> None:
        key = model.lower()
        if key in self.personal or key in self.not_personal_reasons:
            raise ValueError(f"{model} is declared twice.")
        self.not_personal_reasons[key] = reason

    def for_model(self, model: type[models.Model]) -> PersonalData | None:
        return self.personal.get(model._meta.label_lower)

    def is_declared(self, model: type[models.Model]) -> bool:
        label = model._meta.label_lower
        return label in self.personal or label in self.not_personal_reasons

    def declarations(self) -> list[PersonalData]:
        return list(self.personal.values())


registry = Registry()
declare = registry.declare
not_personal = registry.declare_not_personal
