"""Consents, bans, restrictions, recipients and disclosures (notice §5, §7, §9, §10, §12, §13).

The consent ledger is append-only: every give and every withdrawal is a ConsentEvent, which the
database refuses to update or delete unless erasure or retention lifts the trigger for the
person's rows. ConsentState holds the current state per person and purpose, written in the same
transaction as each event, so "who has consent in force" is one indexed lookup even for a
million people. Bans and restrictions beat any consent (consents.selectors.contactable).
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import date, datetime, timedelta
from pathlib import PurePath
from typing import TYPE_CHECKING

import pghistory
import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.files.base import ContentFile
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from accounts.actors import actor_pair, at_most_one_actor, exactly_one_actor
from accounts.formatting import local_stamp
from privacy.declarations import Basis, Category
from privacy.objection import Processing, objection_stops

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from accounts.models import Actor
    from customers.models import Customer

# Notice §10: no transfers outside the EU/EEA. The 27 member states, Åland, and the three EEA
# states outside the EU.
_EU_EEA_CODES = (
    "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK AX IS LI NO"
)
EU_EEA_COUNTRIES = frozenset(_EU_EEA_CODES.split())

EVENT_PROTECT_TRIGGER = "consentevent_append_only"
DISCLOSURE_PROTECT_TRIGGER = "disclosure_append_only"
SUBJECT_PROTECT_TRIGGER = "disclosuresubject_append_only"
WORDING_PROTECT_TRIGGER = "consentwording_unchanged"


class Activity(models.TextChoices):
    """What an outgoing contact is for; bans are about activities."""

    MARKETING = "marketing", _("Direct marketing")
    SURVEY = "survey", _("Surveys and market research")


class ContactChannel(models.TextChoices):
    """How the register reaches a person."""

    EMAIL = "email", _("Email")
    SMS = "sms", _("Text message")
    PHONE = "phone", _("Phone call")
    LETTER = "letter", _("Letter")


# Electronic direct marketing needs the person's consent (notice §13; Information Society Code
# 917/2014 s. 200), whatever a purpose's configuration says.
ELECTRONIC_CHANNELS = frozenset({ContactChannel.EMAIL, ContactChannel.SMS})


class Channel(models.TextChoices):
    """How a consent, withdrawal or ban reached the register."""

    WEB = "web", _("Website")
    PHONE = "phone", _("Phone")
    OFFICE = "office", _("At the office")
    LETTER = "letter", _("Letter")
    EMAIL = "email", _("Email")
    API = "api", _("API")
    ADDRESS_SERVICE = "address_service", _("Address-update service")


# What staff choose from when they record something the person told them.
STAFF_CHANNELS = (Channel.PHONE, Channel.OFFICE, Channel.LETTER, Channel.EMAIL, Channel.WEB)
# What the website may say a consent came through.
API_CHANNELS = (Channel.WEB, Channel.EMAIL, Channel.API)


# --- Purposes and their wordings ------------------------------------------------------------------


class ConsentPurposeQuerySet(models.QuerySet):
    def active(self) -> ConsentPurposeQuerySet:
        return self.filter(is_active=True)


class ConsentPurpose(models.Model):
    """Something the register asks consent for, or contacts people for: data, not code.

    A purpose says what it is for (activity), through which channel (blank: any), and whether
    it needs consent in force. Electronic direct marketing always does (notice §13).
    """

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=150)
    activity = models.CharField(_("activity"), max_length=20, choices=Activity.choices)
    channel = models.CharField(
        _("channel"),
        max_length=10,
        choices=ContactChannel.choices,
        blank=True,
        help_text=_("Leave empty when the purpose covers every channel."),
    )
    requires_consent = models.BooleanField(_("requires consent"), default=True)
    is_active = models.BooleanField(_("in use"), default=True)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = ConsentPurposeQuerySet.as_manager()

    class Meta:
        verbose_name = _("consent purpose")
        verbose_name_plural = _("consent purposes")
        ordering = ["position", "name"]
        constraints = [
            models.CheckConstraint(
                name="consentpurpose_electronic_marketing_needs_consent",
                condition=~Q(activity="marketing", channel__in=["email", "sms"])
                | Q(requires_consent=True),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def covers(self, channel: str) -> bool:
        """Whether the purpose may be used through this contact channel."""
        return not self.channel or self.channel == channel

    def needs_consent_through(self, channel: str) -> bool:
        """Whether contact for the purpose through the channel needs consent in force: always
        for electronic direct marketing, whatever `requires_consent` says (notice §13)."""
        return self.requires_consent or (
            self.activity == Activity.MARKETING and channel in ELECTRONIC_CHANNELS
        )

    @property
    def processing(self) -> Processing:
        """What contact for the purpose is, in the words of the objection rules."""
        if self.activity == Activity.MARKETING:
            return Processing.DIRECT_MARKETING
        return Processing.SURVEYS

    def blocking_bans(self, channel: str) -> list[str]:
        """Return the kinds of ban that stop contact for this purpose through the channel: an
        objection wherever the objection rules say it stops the processing (privacy.objection)."""
        kinds = [BanKind.OBJECTION] if objection_stops(self.processing) else []
        if self.activity == Activity.MARKETING:
            kinds.append(BanKind.DIRECT_MARKETING)
            if channel == ContactChannel.PHONE:
                kinds.append(BanKind.TELEMARKETING)
        elif self.activity == Activity.SURVEY:
            kinds.append(BanKind.SURVEYS)
        return kinds


class ConsentWording(models.Model):
    """The text a person agrees to. A new text is a new version; a version never changes."""

    purpose = models.ForeignKey(
        ConsentPurpose,
        on_delete=models.PROTECT,
        related_name="wordings",
        verbose_name=_("purpose"),
    )
    version = models.PositiveIntegerField(_("version"))
    text = models.TextField(_("wording"))
    published_at = models.DateTimeField(_("published"), default=timezone.now)

    class Meta:
        verbose_name = _("consent wording")
        verbose_name_plural = _("consent wordings")
        ordering = ["purpose", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["purpose", "version"], name="consentwording_one_per_version"
            ),
            models.CheckConstraint(
                name="consentwording_version_positive", condition=Q(version__gt=0)
            ),
        ]
        triggers = [
            # Events cite the version a person agreed to; its text must stay what they saw.
            pgtrigger.Protect(name=WORDING_PROTECT_TRIGGER, operation=pgtrigger.Update),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} v{self.version}"


# --- The ledger -----------------------------------------------------------------------------------


class ConsentAction(models.TextChoices):
    GIVE = "give", _("Given")
    WITHDRAW = "withdraw", _("Withdrawn")


class ConsentEventQuerySet(models.QuerySet):
    def for_timeline(self) -> ConsentEventQuerySet:
        return self.select_related(
            "purpose", "wording", "recorded_by", "recorded_by_client"
        ).order_by("-at", "-pk")

    def erase_for(self, customer: Customer) -> int:
        """Delete the person's events, their consent state and its change history (erasure and
        retention only); return how many events."""
        history = pghistory.core.event_models(tracks_model=ConsentState)
        lifted = [f"consents.ConsentEvent:{EVENT_PROTECT_TRIGGER}"]
        lifted += [f"{model._meta.label}:append_only" for model in history]
        with pgtrigger.ignore(*lifted):
            ConsentState.objects.filter(customer=customer).delete()
            for model in history:
                model.objects.filter(customer_id=customer.pk).delete()
            deleted, _by_model = self.filter(customer=customer).delete()
        return deleted


def evidence_path(instance: ConsentEvent, filename: str) -> str:
    """Store scans under a random name: the person's name never becomes a file name."""
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"consents/evidence/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class ConsentEvent(models.Model):
    """One give or one withdrawal, as it happened. Never edited, never deleted (except by
    erasure or retention): the event itself is the history, so it is not tracked again."""

    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="consent_events",
        verbose_name=_("customer"),
    )
    purpose = models.ForeignKey(
        ConsentPurpose, on_delete=models.PROTECT, related_name="+", verbose_name=_("purpose")
    )
    wording = models.ForeignKey(
        ConsentWording, on_delete=models.PROTECT, related_name="+", verbose_name=_("wording")
    )
    action = models.CharField(_("action"), max_length=10, choices=ConsentAction.choices)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    evidence = models.CharField(
        _("evidence"),
        max_length=200,
        blank=True,
        help_text=_("A reference: a letter's date, a form number, a message id."),
    )
    evidence_file = models.FileField(
        _("scanned evidence"), upload_to=evidence_path, blank=True, max_length=255
    )
    recorded_by, recorded_by_client = actor_pair(_("recorded by"), _("recorded by API client"))
    at = models.DateTimeField(_("time"), default=timezone.now)

    objects = ConsentEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("consent event")
        verbose_name_plural = _("consent events")
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(
                name="consentevent_one_actor",
                condition=exactly_one_actor("recorded_by", "recorded_by_client"),
            ),
            models.CheckConstraint(
                name="consentevent_channel",
                condition=~Q(channel=Channel.ADDRESS_SERVICE),
            ),
        ]
        indexes = [
            # The person's timeline, newest first, and erasure.
            models.Index(fields=["customer", "-at"], name="consentevent_customer"),
        ]
        triggers = [
            pgtrigger.Protect(
                name=EVENT_PROTECT_TRIGGER, operation=pgtrigger.Update | pgtrigger.Delete
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.purpose} ({local_stamp(self.at)})"

    @property
    def recorder(self) -> Actor | None:
        return self.recorded_by or self.recorded_by_client


class ConsentStateQuerySet(models.QuerySet):
    def in_force(self) -> ConsentStateQuerySet:
        return self.filter(given=True)


@pghistory.track()
class ConsentState(models.Model):
    """The current state of one person's consent for one purpose: the latest event, kept in
    the same transaction as the ledger so that audiences never read the whole ledger."""

    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.CASCADE,
        related_name="consent_states",
        verbose_name=_("customer"),
    )
    purpose = models.ForeignKey(
        ConsentPurpose, on_delete=models.PROTECT, related_name="+", verbose_name=_("purpose")
    )
    given = models.BooleanField(_("in force"))
    wording = models.ForeignKey(
        ConsentWording, on_delete=models.PROTECT, related_name="+", verbose_name=_("wording")
    )
    last_event = models.OneToOneField(
        ConsentEvent, on_delete=models.CASCADE, related_name="+", verbose_name=_("latest event")
    )
    changed_at = models.DateTimeField(_("since"))

    objects = ConsentStateQuerySet.as_manager()

    class Meta:
        verbose_name = _("consent state")
        verbose_name_plural = _("consent states")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "purpose"], name="consentstate_one_per_purpose"
            ),
        ]
        indexes = [
            # The audience: who has consent in force for a purpose (an index-only semi-join).
            models.Index(
                fields=["purpose", "customer"], name="consentstate_given", condition=Q(given=True)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.purpose_id} {'+' if self.given else '-'}"


# --- The website's analytics consent -------------------------------------------------------------

ANALYTICS_CONSENT_PROTECT_TRIGGER = "analyticsconsent_withdrawn_once"


class AnalyticsConsentQuerySet(models.QuerySet):
    def in_force(self) -> AnalyticsConsentQuerySet:
        return self.filter(withdrawn_at__isnull=True)

    def withdrawn(self) -> AnalyticsConsentQuerySet:
        """Withdrawn consents (their retention policy's scope): the record that collection
        stopped and what was deleted."""
        return self.filter(withdrawn_at__isnull=False)


class AnalyticsConsent(models.Model):
    """One website visitor's consent to analytics (notice §7, §13): the visitor id the website
    keeps in the visitor's browser, when it was given and on which consent banner, and when it
    was withdrawn and how many visits the withdrawal deleted.

    A visit is stored only under a consent in force and names it (feedback.WebsiteVisit), so
    withdrawing deletes exactly what was collected under the consent. A row changes once, when
    it is withdrawn; a later consent of the same visitor is a new row.
    """

    visitor_id = models.UUIDField(_("visitor id"))
    banner_version = models.CharField(
        _("consent banner version"),
        max_length=50,
        help_text=_("The version of the website's consent text the visitor accepted."),
    )
    # A signed-in visitor's consent is theirs: erasure and access requests find it.
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="analytics_consents",
    )
    given_at = models.DateTimeField(_("given"), default=timezone.now)
    given_through = models.ForeignKey(
        "accounts.ApiClient",
        verbose_name=_("recorded by API client"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawn_through = models.ForeignKey(
        "accounts.ApiClient",
        verbose_name=_("withdrawal recorded by API client"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    visits_deleted = models.PositiveIntegerField(_("visits deleted"), null=True, blank=True)

    objects = AnalyticsConsentQuerySet.as_manager()

    class Meta:
        verbose_name = _("website analytics consent")
        verbose_name_plural = _("website analytics consents")
        ordering = ["-given_at", "-pk"]
        constraints = [
            # Also the lookup of a batch's visitors: their consent in force.
            models.UniqueConstraint(
                fields=["visitor_id"],
                condition=Q(withdrawn_at__isnull=True),
                name="analyticsconsent_one_in_force",
            ),
            models.CheckConstraint(
                name="analyticsconsent_withdrawal_complete",
                condition=Q(
                    withdrawn_at__isnull=True,
                    withdrawn_through__isnull=True,
                    visits_deleted__isnull=True,
                )
                | Q(
                    withdrawn_at__isnull=False,
                    withdrawn_through__isnull=False,
                    visits_deleted__isnull=False,
                ),
            ),
            models.CheckConstraint(
                name="analyticsconsent_withdrawn_after_given",
                condition=Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gte=models.F("given_at")),
            ),
        ]
        indexes = [
            # Retention of withdrawn consents.
            models.Index(
                fields=["withdrawn_at"],
                name="analyticsconsent_withdrawn",
                condition=Q(withdrawn_at__isnull=False),
            ),
            # Erasure and access requests: a signed-in visitor's consents.
            models.Index(
                fields=["customer"],
                name="analyticsconsent_customer",
                condition=Q(customer__isnull=False),
            ),
        ]
        triggers = [
            # The record of a consent changes once, when it is withdrawn; never afterwards.
            pgtrigger.Protect(
                name=ANALYTICS_CONSENT_PROTECT_TRIGGER,
                operation=pgtrigger.Update,
                condition=pgtrigger.Q(old__withdrawn_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.visitor_id} ({timezone.localtime(self.given_at):%d.%m.%Y})"

    @property
    def is_in_force(self) -> bool:
        return self.withdrawn_at is None


# --- Bans and restrictions ------------------------------------------------------------------------


class BanKind(models.TextChoices):
    DIRECT_MARKETING = "direct_marketing", _("Direct-marketing ban")
    TELEMARKETING = "telemarketing", _("Telemarketing ban")
    SURVEYS = "surveys", _("Survey ban")
    OBJECTION = "objection", _("Objection (GDPR Art. 21)")


class BanQuerySet(models.QuerySet):
    def in_force(self) -> BanQuerySet:
        return self.filter(lifted_at__isnull=True)

    def objections_in_force(self) -> BanQuerySet:
        """The objections in force: where privacy.objection finds who has objected."""
        return self.in_force().filter(kind=BanKind.OBJECTION)


@pghistory.track()
class Ban(models.Model):
    """A ban the person has set: it beats any consent until it is lifted at their request."""

    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.CASCADE,
        related_name="bans",
        verbose_name=_("customer"),
    )
    kind = models.CharField(_("ban"), max_length=20, choices=BanKind.choices)
    started_on = models.DateField(_("in force from"), default=timezone.localdate)
    channel = models.CharField(_("source"), max_length=20, choices=Channel.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by, recorded_by_client = actor_pair(_("recorded by"), _("recorded by API client"))
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)
    lifted_at = models.DateTimeField(_("lifted"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("lifted by"),
    )

    objects = BanQuerySet.as_manager()

    class Meta:
        verbose_name = _("ban")
        verbose_name_plural = _("bans")
        ordering = ["-recorded_at", "-pk"]
        constraints = [
            # Also the audience's anti-join: a person's bans in force, by kind.
            models.UniqueConstraint(
                fields=["customer", "kind"],
                condition=Q(lifted_at__isnull=True),
                name="ban_one_in_force_per_kind",
            ),
            models.CheckConstraint(
                name="ban_at_most_one_recorder",
                condition=at_most_one_actor("recorded_by", "recorded_by_client"),
            ),
            models.CheckConstraint(
                name="ban_lifted_after_recorded",
                condition=Q(lifted_at__isnull=True) | Q(lifted_at__gte=models.F("recorded_at")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.started_on:%d.%m.%Y})"

    @property
    def is_in_force(self) -> bool:
        return self.lifted_at is None

    @property
    def recorder(self) -> Actor | None:
        return self.recorded_by or self.recorded_by_client


# --- Recipients and disclosures -------------------------------------------------------------------


class RecipientKind(models.TextChoices):
    PROCESSOR = "processor", _("Processor (service partner)")
    AUTHORITY = "authority", _("Authority")


class RecipientQuerySet(models.QuerySet):
    def eligible(self) -> RecipientQuerySet:
        """Recipients a disclosure may go to: in use, and processing in the EU/EEA."""
        return self.filter(is_active=True, country__in=EU_EEA_COUNTRIES)

    def processors(self) -> RecipientQuerySet:
        return self.filter(kind=RecipientKind.PROCESSOR)


class Recipient(models.Model):
    """A processor or an authority the register's data may be disclosed to (notice §9)."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=RecipientKind.choices)
    business_id = models.CharField(_("business ID"), max_length=20, blank=True)
    service = models.CharField(
        _("service"), max_length=200, blank=True, help_text=_("What the partner does for us.")
    )
    dpa_signed_on = models.DateField(
        _("data-processing agreement signed"),
        null=True,
        blank=True,
        help_text=_("Required for a processor (GDPR Art. 28)."),
    )
    country = CountryField(
        _("country where the data is processed"),
        help_text=_(
            "A recipient processing outside the EU/EEA can never be chosen for a disclosure "
            "(notice §10)."
        ),
    )
    is_active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(_("added"), default=timezone.now, editable=False)

    objects = RecipientQuerySet.as_manager()

    class Meta:
        verbose_name = _("recipient")
        verbose_name_plural = _("recipients")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                name="recipient_processor_has_dpa",
                condition=Q(kind="authority") | Q(dpa_signed_on__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def in_eu_eea(self) -> bool:
        return str(self.country) in EU_EEA_COUNTRIES

    @property
    def may_receive(self) -> bool:
        return self.is_active and self.in_eu_eea


def copy_path(instance: Disclosure, filename: str) -> str:
    """Store copies under a random name, by month."""
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"consents/disclosures/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


_EEA_SQL = ", ".join(f"'{code}'" for code in sorted(EU_EEA_COUNTRIES))


class DisclosureQuerySet(models.QuerySet):
    def take_person_out(self, *, customer: Customer) -> list[tuple[int, str, str]]:
        """Erasure's step for disclosures about several people: write each copy that holds
        others too again without the person's lines, and count the person out of every one
        of these disclosures; return (pk, "copy", replaced stored name) of the copies
        rewritten. A copy about the person alone, or one that is not a table, is left to
        erasure, which deletes it. Runs inside the erasure, whose triggers are lifted; if the
        erasure rolls back, a copy written here is referred to by nothing, and the orphan
        sweep deletes it."""
        from consents.copies import without_person

        rewritten = []
        field = Disclosure._meta.get_field("copy")
        others = DisclosureSubject.objects.filter(disclosure=models.OuterRef("pk")).exclude(
            customer=customer
        )
        shared = self.exclude(copy="").filter(models.Exists(others))
        for pk, name in shared.values_list("pk", "copy"):
            try:
                with field.storage.open(name, "rb") as handle:
                    content = handle.read()
            except OSError:
                continue  # the copy is gone already: erasure blanks the name
            remaining = without_person(content, name, customer)
            if remaining is None:
                continue
            stored = field.storage.save(copy_path(None, name), ContentFile(remaining))
            self.filter(pk=pk).update(
                copy=stored, copy_sha256=hashlib.sha256(remaining).hexdigest()
            )
            rewritten.append((pk, "copy", name))
        self.filter(subject_count__gt=0).update(subject_count=models.F("subject_count") - 1)
        return rewritten


class Disclosure(models.Model):
    """One handing-over of personal data to a recipient (notice §9): to whom, on what basis,
    whose data, which categories, by whom, when, and the copy that was handed over.

    Append-only in the database; a disclosure to a recipient processing outside the EU/EEA is
    refused by a trigger as well as by the service and the forms.
    """

    recipient = models.ForeignKey(
        Recipient, on_delete=models.PROTECT, related_name="disclosures", verbose_name=_("recipient")
    )
    basis = models.CharField(_("legal basis"), max_length=20, choices=Basis.choices)
    mandate = models.CharField(
        _("mandate or provision"),
        max_length=300,
        help_text=_("The processing agreement, or the law that obliges or allows the disclosure."),
    )
    request_reference = models.CharField(_("request reference"), max_length=100, blank=True)
    categories = ArrayField(
        models.CharField(max_length=20, choices=Category.choices),
        verbose_name=_("categories of data"),
    )
    description = models.TextField(_("what was handed over"), blank=True)
    copy = models.FileField(_("copy handed over"), upload_to=copy_path, blank=True, max_length=255)
    copy_sha256 = models.CharField(_("SHA-256 of the copy"), max_length=64, blank=True)
    subject_count = models.PositiveIntegerField(_("people"), default=0)
    subjects = models.ManyToManyField(
        "customers.Customer",
        through="DisclosureSubject",
        related_name="disclosures",
        verbose_name=_("whose data"),
    )
    disclosed_at = models.DateTimeField(_("disclosed"), default=timezone.now)
    disclosed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("disclosed by"),
    )

    objects = DisclosureQuerySet.as_manager()

    class Meta:
        verbose_name = _("disclosure")
        verbose_name_plural = _("disclosures")
        ordering = ["-disclosed_at", "-pk"]
        permissions = [("download_disclosure_copy", _("Can download the copy of a disclosure"))]
        constraints = [
            models.CheckConstraint(
                name="disclosure_has_categories", condition=Q(categories__len__gt=0)
            ),
        ]
        indexes = [
            models.Index(fields=["-disclosed_at"], name="disclosure_at"),
        ]
        triggers = [
            pgtrigger.Protect(
                name=DISCLOSURE_PROTECT_TRIGGER, operation=pgtrigger.Update | pgtrigger.Delete
            ),
            pgtrigger.Trigger(
                name="disclosure_recipient_in_eea",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert,
                # The country codes are our own constants, never input.
                func=(
                    "IF NOT EXISTS (SELECT 1 FROM consents_recipient r WHERE r.id = "  # noqa: S608
                    f"NEW.recipient_id AND r.country IN ({_EEA_SQL})) THEN "
                    "RAISE EXCEPTION 'recipient processes data outside the EU/EEA' "
                    "USING ERRCODE = 'check_violation'; END IF; RETURN NEW;"
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recipient} {local_stamp(self.disclosed_at, date_only=True)}"

    def get_categories_display(self) -> list[str]:
        labels = dict(Category.choices)
        return [str(labels.get(code, code)) for code in self.categories]


class DisclosureSubjectQuerySet(models.QuerySet):
    def erase_for(self, customer: Customer) -> int:
        """Delete the person's rows of the disclosure log (erasure only); return how many."""
        with pgtrigger.ignore(f"consents.DisclosureSubject:{SUBJECT_PROTECT_TRIGGER}"):
            deleted, _by_model = self.filter(customer=customer).delete()
        return deleted


class DisclosureSubject(models.Model):
    """One person whose data a disclosure handed over."""

    disclosure = models.ForeignKey(
        Disclosure, on_delete=models.PROTECT, related_name="+", verbose_name=_("disclosure")
    )
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="disclosure_subjects",
        verbose_name=_("customer"),
    )

    objects = DisclosureSubjectQuerySet.as_manager()

    class Meta:
        verbose_name = _("person in a disclosure")
        verbose_name_plural = _("people in disclosures")
        constraints = [
            models.UniqueConstraint(
                fields=["disclosure", "customer"], name="disclosuresubject_unique"
            ),
        ]
        indexes = [
            # The disclosures about one person, on their page.
            models.Index(fields=["customer", "disclosure"], name="disclosuresubject_customer"),
        ]
        triggers = [
            pgtrigger.Protect(
                name=SUBJECT_PROTECT_TRIGGER, operation=pgtrigger.Update | pgtrigger.Delete
            ),
        ]

    def __str__(self) -> str:
        return f"{self.disclosure_id}: {self.customer_id}"


# --- Marketing audiences --------------------------------------------------------------------------


class ExportFormat(models.TextChoices):
    CSV = "csv", _("CSV")
    XLSX = "xlsx", _("Excel (XLSX)")


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class AudienceExportQuerySet(models.QuerySet):
    def stale_before(self) -> datetime:
        """Return the time before which a running export's last sign of life means its worker
        is gone."""
        return timezone.now() - timedelta(minutes=settings.AUDIENCE_EXPORT_STALE_MINUTES)

    def claimable(self) -> AudienceExportQuerySet:
        """Exports a job may take: queued ones, and running ones whose worker stopped
        reporting (it died, or was killed, mid-run)."""
        cutoff = self.stale_before()
        return self.filter(
            Q(status=ExportStatus.QUEUED)
            | Q(status=ExportStatus.RUNNING, heartbeat_at__lt=cutoff)
            | Q(status=ExportStatus.RUNNING, heartbeat_at__isnull=True, started_at__lt=cutoff)
        )


ELECTRONIC_MARKETING_CONSENT_CHECK = """
    IF EXISTS (
        SELECT 1 FROM consents_consentpurpose purpose
        WHERE purpose.id = NEW.purpose_id AND purpose.activity = 'marketing'
    ) AND EXISTS (
        SELECT 1 FROM consents_disclosuresubject subject
        WHERE subject.disclosure_id = NEW.disclosure_id
          AND NOT EXISTS (
              SELECT 1 FROM consents_consentstate state
              WHERE state.customer_id = subject.customer_id
                AND state.purpose_id = NEW.purpose_id
                AND state.given
          )
    ) THEN
        RAISE EXCEPTION 'electronic marketing audience % holds a person without consent', NEW.id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
"""


class AudienceExport(models.Model):
    """One export of a marketing audience for a processor, run as a Celery job.

    Holds the filters and the progress; the file itself is the copy on the Disclosure it
    records, so it is never stored twice.
    """

    purpose = models.ForeignKey(
        ConsentPurpose, on_delete=models.PROTECT, related_name="+", verbose_name=_("purpose")
    )
    channel = models.CharField(_("channel"), max_length=10, choices=ContactChannel.choices)
    # {"group": pk, "company": pk, "city": str, "language": str}; empty values are left out.
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    recipient = models.ForeignKey(
        Recipient, on_delete=models.PROTECT, related_name="+", verbose_name=_("recipient")
    )
    format = models.CharField(_("format"), max_length=4, choices=ExportFormat.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    total = models.PositiveIntegerField(_("people (estimate)"), default=0)
    written = models.PositiveIntegerField(_("rows written"), default=0)
    error = models.CharField(_("error"), max_length=500, blank=True)
    disclosure = models.OneToOneField(
        Disclosure,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audience_export",
        verbose_name=_("disclosure"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    # The running job's last sign of life: set when it claims the export and with each
    # progress report. A running export whose heartbeat is old has lost its worker.
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    # Which claim the running job holds; a job taken over by another may no longer write.
    attempt = models.PositiveIntegerField(_("attempt"), default=0)
    # The stored copy a job is writing, named before it writes, so that the job that takes
    # over from a dead one can delete a half-written file.
    copy_in_progress = models.CharField(max_length=255, blank=True, editable=False)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    downloads = models.PositiveIntegerField(_("downloads"), default=0)

    objects = AudienceExportQuerySet.as_manager()

    class Meta:
        verbose_name = _("audience export")
        verbose_name_plural = _("audience exports")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                name="audienceexport_done_has_disclosure",
                condition=~Q(status="done") | Q(disclosure__isnull=False),
            ),
        ]
        # The last word on notice §13: an e-mail or SMS marketing audience is refused by the
        # database itself when one of its people has no consent in force for its purpose,
        # whatever the selector or a purpose's configuration did. One set-based check when
        # the export gets its disclosure (its people), not a check per row.
        triggers = [
            pgtrigger.Trigger(
                name=f"{name}_electronic_consent",
                when=pgtrigger.After,
                operation=operation,
                condition=pgtrigger.Condition(condition),
                func=ELECTRONIC_MARKETING_CONSENT_CHECK,
            )
            for name, operation, condition in [
                (
                    "audienceexport_insert",
                    pgtrigger.Insert,
                    "NEW.disclosure_id IS NOT NULL AND NEW.channel IN ('email', 'sms')",
                ),
                (
                    "audienceexport_update",
                    pgtrigger.UpdateOf("disclosure_id"),
                    "OLD.disclosure_id IS DISTINCT FROM NEW.disclosure_id"
                    " AND NEW.disclosure_id IS NOT NULL AND NEW.channel IN ('email', 'sms')",
                ),
            ]
        ]

    def __str__(self) -> str:
        return f"{self.purpose} {local_stamp(self.created_at)}"

    @property
    def percent(self) -> int:
        """Return progress as a whole percentage."""
        if self.status == ExportStatus.DONE:
            return 100
        if not self.total:
            return 0
        return min(99, self.written * 100 // self.total)

    @property
    def is_finished(self) -> bool:
        return self.status in (ExportStatus.DONE, ExportStatus.FAILED)

    def may_download(self, user: User) -> bool:
        """Whether the user may download the file: the marketer who made it, or the privacy
        officer (who may download any disclosure's copy)."""
        return self.created_by_id == user.pk or user.has_perm("consents.download_disclosure_copy")

    @property
    def is_stuck(self) -> bool:
        """Whether the export is running but its job has stopped reporting."""
        if self.status != ExportStatus.RUNNING:
            return False
        last_sign = self.heartbeat_at or self.started_at
        return last_sign is not None and last_sign < AudienceExport.objects.stale_before()

    @property
    def filename(self) -> str:
        day: date = timezone.localtime(self.created_at).date()
        return f"kohderyhma-{self.purpose.code}-{day:%Y%m%d}-{self.pk}.{self.format}"
