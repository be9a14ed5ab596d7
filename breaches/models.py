"""The register of personal-data breaches (GDPR Art. 33–34, notice §16).

Every breach is recorded, whatever its risk (Art. 33(5)): what happened, when the company became
aware, the risk assessment with its reasoning, the decisions to notify the Data Protection
Ombudsman and the people, each with its reason, the Ombudsman's notifications in phases, the
people affected as found from the register's own logs, and the notice each of them got. Every
change is written to the breach's timeline, which the database keeps append-only.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pghistory
import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.formatting import local_stamp
from privacy.declarations import Category

# GDPR Art. 33(1): the Ombudsman is notified "not later than 72 hours after having become
# aware" of the breach. Hours are elapsed hours (a clock change does not move the deadline), and
# the period runs from the moment of awareness itself, to the minute: the stricter of the two
# readings, since Regulation 1182/71 Art. 3(1)–(2) would start it only at the next full hour.
AUTHORITY_DEADLINE = timedelta(hours=72)
# The scheduler reminds the privacy officers at these points of the 72 hours.
REMINDER_HOURS = (24, 60)

TIMELINE_PROTECT_TRIGGER = "breachtimeline_append_only"


class Kind(models.TextChoices):
    """What the breach broke (the Ombudsman's form: confidentiality, integrity, availability)."""

    CONFIDENTIALITY = "confidentiality", _("Confidentiality")
    INTEGRITY = "integrity", _("Integrity")
    AVAILABILITY = "availability", _("Availability")


class Nature(models.TextChoices):
    DISCLOSURE = "disclosure", _("Unauthorised disclosure")
    ACCESS = "access", _("Unauthorised access")
    LOSS = "loss", _("Loss")
    ALTERATION = "alteration", _("Alteration")
    DESTRUCTION = "destruction", _("Destruction")


class Risk(models.TextChoices):
    """The Ombudsman's three levels; every breach gets one, with its reasoning."""

    NONE = "none", _("No risk")
    RISK = "risk", _("Risk")
    HIGH = "high", _("High risk")


class Decision(models.TextChoices):
    NOTIFY = "notify", _("Notify")
    NOT_NOTIFY = "not_notify", _("Do not notify")


class Art34Ground(models.TextChoices):
    """GDPR Art. 34(3): when the people need not be told although the risk is high."""

    PROTECTED = "protected", _("Art. 34(3)(a): the data was unintelligible (encrypted)")
    MEASURES = "measures", _("Art. 34(3)(b): later measures removed the high risk")
    DISPROPORTIONATE = (
        "disproportionate",
        _("Art. 34(3)(c): disproportionate effort; a public communication instead"),
    )


class State(models.TextChoices):
    OPEN = "open", _("Open")
    ASSESSED = "assessed", _("Assessed")
    AUTHORITY_NOTIFIED = "authority_notified", _("Ombudsman notified")
    PEOPLE_NOTIFIED = "people_notified", _("People notified")
    CLOSED = "closed", _("Closed")


class BreachQuerySet(models.QuerySet):
    def closed(self) -> BreachQuerySet:
        """Closed breaches: the retention policy's scope."""
        return self.filter(state=State.CLOSED)

    def clock_running(self) -> BreachQuerySet:
        """Breaches whose Ombudsman notification is still due: not closed, no initial
        notification recorded, and no decision not to notify."""
        return (
            self.exclude(state=State.CLOSED)
            .exclude(authority_decision=Decision.NOT_NOTIFY)
            .exclude(authority_notifications__phase=Phase.INITIAL)
        )


@pghistory.track()
class Breach(models.Model):
    """One personal-data breach, however small (GDPR Art. 33(5))."""

    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    # When it happened: a moment, or a window when only that is known.
    occurred_from = models.DateTimeField(_("happened (from)"), null=True, blank=True)
    occurred_until = models.DateTimeField(_("happened (until)"), null=True, blank=True)
    became_aware_at = models.DateTimeField(
        _("became aware"),
        help_text=_(
            "When the company became reasonably certain of the breach: the 72 hours "
            "run from here (GDPR Art. 33(1))."
        ),
    )
    discovered_how = models.TextField(_("how it was discovered"), blank=True)
    reported_by = models.CharField(_("reported by"), max_length=200, blank=True)
    description = models.TextField(_("what happened"))
    cause = models.TextField(_("cause"), blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    nature = models.CharField(_("nature"), max_length=20, choices=Nature.choices)
    data_categories = ArrayField(
        models.CharField(max_length=20, choices=Category.choices),
        verbose_name=_("categories of data"),
        default=list,
        blank=True,
    )
    people_categories = models.CharField(
        _("categories of people"),
        max_length=300,
        blank=True,
        help_text=_("For example: customers, contact persons of corporate customers."),
    )
    approx_people = models.PositiveIntegerField(
        _("people affected (estimate)"), null=True, blank=True
    )
    approx_records = models.PositiveIntegerField(
        _("records affected (estimate)"), null=True, blank=True
    )
    # How many people the register's own logs named (the affected-people list).
    people_found = models.PositiveIntegerField(_("people found"), default=0, editable=False)
    consequences = models.TextField(_("likely consequences for the people"), blank=True)
    measures_taken = models.TextField(_("measures taken"), blank=True)
    measures_planned = models.TextField(_("measures planned"), blank=True)
    risk = models.CharField(_("risk"), max_length=10, choices=Risk.choices, blank=True)
    risk_reasoning = models.TextField(_("reasoning of the risk assessment"), blank=True)
    authority_decision = models.CharField(
        _("notify the Ombudsman"), max_length=12, choices=Decision.choices, blank=True
    )
    authority_decision_reason = models.TextField(_("reason (Ombudsman)"), blank=True)
    people_decision = models.CharField(
        _("notify the people"), max_length=12, choices=Decision.choices, blank=True
    )
    people_decision_reason = models.TextField(_("reason (people)"), blank=True)
    art34_ground = models.CharField(
        _("ground for not telling the people"),
        max_length=20,
        choices=Art34Ground.choices,
        blank=True,
    )
    public_communication_at = models.DateTimeField(
        _("public communication"), null=True, blank=True, editable=False
    )
    public_communication_where = models.CharField(
        _("where it was published"), max_length=300, blank=True, editable=False
    )
    public_communication_reason = models.TextField(
        _("why a public communication"), blank=True, editable=False
    )
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.OPEN, editable=False
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True, editable=False)
    # The scheduler's reminders, each sent once: the marker is set in the transaction that
    # sends it, by a conditional UPDATE (so two runs at once send it once).
    reminded_24h_at = models.DateTimeField(null=True, blank=True, editable=False)
    reminded_60h_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
        editable=False,
    )
    created_at = models.DateTimeField(_("recorded"), default=timezone.now, editable=False)

    objects = BreachQuerySet.as_manager()

    class Meta:
        verbose_name = _("personal-data breach")
        verbose_name_plural = _("personal-data breaches")
        ordering = ["-became_aware_at", "-pk"]
        constraints = [
            # Every risk level, "no risk" too, is recorded with its reasoning.
            models.CheckConstraint(
                name="breach_risk_has_reasoning", condition=Q(risk="") | ~Q(risk_reasoning="")
            ),
            models.CheckConstraint(
                name="breach_assessed_has_risk", condition=Q(state="open") | ~Q(risk="")
            ),
            models.CheckConstraint(
                name="breach_authority_decision_has_reason",
                condition=Q(authority_decision="") | ~Q(authority_decision_reason=""),
            ),
            models.CheckConstraint(
                name="breach_people_decision_has_reason",
                condition=Q(people_decision="") | ~Q(people_decision_reason=""),
            ),
            # High risk and the people not told: only on an Art. 34(3) ground.
            models.CheckConstraint(
                name="breach_high_risk_untold_has_ground",
                condition=~Q(risk="high", people_decision="not_notify") | ~Q(art34_ground=""),
            ),
            models.CheckConstraint(
                name="breach_public_communication_has_reason",
                condition=Q(public_communication_at__isnull=True)
                | ~Q(public_communication_reason=""),
            ),
            models.CheckConstraint(
                name="breach_closed_has_time",
                condition=Q(state="closed", closed_at__isnull=False)
                | (~Q(state="closed") & Q(closed_at__isnull=True)),
            ),
            models.CheckConstraint(
                name="breach_window_in_order",
                condition=Q(occurred_from__isnull=True)
                | Q(occurred_until__isnull=True)
                | Q(occurred_until__gte=models.F("occurred_from")),
            ),
        ]
        indexes = [
            # The retention policy: closed breaches by the time they were closed.
            models.Index(fields=["closed_at"], name="breach_closed_at"),
        ]
        permissions = [("view_breach_report", _("Can see the breach reports"))]

    def __str__(self) -> str:
        return self.reference or str(_("new breach"))

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.risk and not self.risk_reasoning.strip():
            errors["risk_reasoning"] = _("Give the reasoning of the risk assessment.")
        if self.authority_decision and not self.authority_decision_reason.strip():
            errors["authority_decision_reason"] = _("Give the reason for the decision.")
        if self.authority_decision == Decision.NOT_NOTIFY and self.risk in (Risk.RISK, Risk.HIGH):
            errors["authority_decision"] = _(
                "A breach that poses a risk must be notified to the Ombudsman (GDPR Art. 33(1))."
            )
        if self.people_decision and not self.people_decision_reason.strip():
            errors["people_decision_reason"] = _("Give the reason for the decision.")
        if (
            self.risk == Risk.HIGH
            and self.people_decision == Decision.NOT_NOTIFY
            and not self.art34_ground
        ):
            errors["art34_ground"] = _(
                "High risk: the people are told unless one of the grounds of GDPR Art. 34(3) "
                "applies."
            )
        if self.occurred_from and self.occurred_until and self.occurred_until < self.occurred_from:
            errors["occurred_until"] = _("The end of the window is before its start.")
        if self.became_aware_at and self.became_aware_at > timezone.now() + timedelta(minutes=5):
            errors["became_aware_at"] = _("The time of awareness can't be in the future.")
        if errors:
            raise ValidationError(errors)

    # --- The 72-hour clock (GDPR Art. 33(1)) ---

    @property
    def authority_deadline(self) -> datetime:
        # In UTC: adding hours to a local time would add wall-clock hours across a clock change.
        return self.became_aware_at.astimezone(UTC) + AUTHORITY_DEADLINE

    def initial_notification(self) -> AuthorityNotification | None:
        return next(
            (n for n in self.authority_notifications.all() if n.phase == Phase.INITIAL), None
        )

    def clock_is_running(self) -> bool:
        return (
            self.state != State.CLOSED
            and self.authority_decision != Decision.NOT_NOTIFY
            and self.initial_notification() is None
        )

    def hours_left(self, now: datetime | None = None) -> float:
        """Hours left to the deadline; negative once it has passed."""
        now = now or timezone.now()
        return (self.authority_deadline - now).total_seconds() / 3600

    def clock_display(self, now: datetime | None = None) -> str:
        """Return the hours left to the deadline, or how late, in words."""
        hours = self.hours_left(now)
        if hours >= 0:
            return str(_("%(hours)d h left") % {"hours": int(hours)})
        return str(_("%(hours)d h late") % {"hours": math.ceil(-hours)})

    def is_late(self, sent_at: datetime) -> bool:
        return sent_at > self.authority_deadline

    def people_estimate(self) -> int | None:
        """The number of people to report: the estimate, or the people found if more."""
        if self.approx_people is None:
            return self.people_found or None
        return max(self.approx_people, self.people_found)


class Phase(models.TextChoices):
    """The Ombudsman's notification may be made in phases (GDPR Art. 33(4))."""

    INITIAL = "initial", _("Initial notification")
    SUPPLEMENTARY = "supplementary", _("Supplementary notification")


@pghistory.track()
class AuthorityNotification(models.Model):
    """One notification sent to the Data Protection Ombudsman through its own secure form."""

    breach = models.ForeignKey(
        Breach,
        on_delete=models.CASCADE,
        related_name="authority_notifications",
        verbose_name=_("breach"),
    )
    phase = models.CharField(_("phase"), max_length=20, choices=Phase.choices)
    sent_at = models.DateTimeField(_("sent"))
    case_number = models.CharField(_("case number received"), max_length=100, blank=True)
    content = models.TextField(_("content sent"))
    late = models.BooleanField(_("after 72 hours"), default=False, editable=False)
    late_reasons = models.TextField(_("reasons for the delay"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("notification to the Ombudsman")
        verbose_name_plural = _("notifications to the Ombudsman")
        ordering = ["sent_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["breach"],
                condition=Q(phase="initial"),
                name="authoritynotification_one_initial",
            ),
            # GDPR Art. 33(1): a notification after 72 hours comes with the reasons for delay.
            models.CheckConstraint(
                name="authoritynotification_late_has_reasons",
                condition=Q(late=False) | ~Q(late_reasons=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.breach} {self.get_phase_display()}"


class Involvement(models.TextChoices):
    """What of a person's was involved, as the logs show it."""

    VIEW = "view", _("viewed")
    EXPORT = "export", _("exported")
    DOWNLOAD = "download", _("file downloaded")
    PLAYBACK = "playback", _("recording played")
    CHANGE = "change", _("changed")
    DISCLOSED = "disclosed", _("in a disclosure")
    FILE = "file", _("in the lost file")


class AffectedPersonQuerySet(models.QuerySet):
    def reachable_by_email(self) -> AffectedPersonQuerySet:
        return self.filter(customer__isnull=False).exclude(customer__email="")


# Inserts are not copied to the change history: a search adds thousands of rows in one
# statement, and the history trigger would cost ten times the search itself (bench/breach.py).
# The row names who found it and when, and the breach's timeline records each search; every
# later change (a merged involvement, erasure) is in the history.
@pghistory.track(pghistory.UpdateEvent(), pghistory.DeleteEvent())
class AffectedPerson(models.Model):
    """One person a breach involved, found from the register's records."""

    breach = models.ForeignKey(
        Breach, on_delete=models.CASCADE, related_name="affected_people", verbose_name=_("breach")
    )
    # Null once the person has been erased: the row still counts in the breach's numbers.
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("customer"),
    )
    involved = ArrayField(
        models.CharField(max_length=20, choices=Involvement.choices),
        verbose_name=_("what was involved"),
        default=list,
    )
    found_at = models.DateTimeField(_("found"), default=timezone.now)
    found_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("found by"),
    )

    objects = AffectedPersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("affected person")
        verbose_name_plural = _("affected people")
        ordering = ["pk"]
        constraints = [
            # Found twice (by two searches), a person is one row with both involvements.
            models.UniqueConstraint(fields=["breach", "customer"], name="affectedperson_unique"),
        ]
        indexes = [
            # Erasure: the rows about one person.
            models.Index(fields=["customer"], name="affectedperson_customer"),
        ]

    def __str__(self) -> str:
        return f"{self.breach}: {self.customer_id}"

    def get_involved_display(self) -> str:
        labels = dict(Involvement.choices)
        return ", ".join(str(labels.get(code, code)) for code in self.involved)


class NotificationChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    LETTER = "letter", _("Letter")
    NONE = "none", _("Cannot be reached")


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("To be sent")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    UNREACHABLE = "unreachable", _("Cannot be reached")


@pghistory.track()
class PersonNotification(models.Model):
    """The notice one affected person gets (GDPR Art. 34): one per person, never two."""

    affected = models.OneToOneField(
        AffectedPerson,
        on_delete=models.CASCADE,
        related_name="notification",
        verbose_name=_("affected person"),
    )
    channel = models.CharField(_("channel"), max_length=10, choices=NotificationChannel.choices)
    # Plain Finnish, English on request.
    language = models.CharField(
        _("language"),
        max_length=5,
        choices=[("fi", _("Finnish")), ("en", _("English"))],
        default="fi",
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=NotificationStatus.choices,
        default=NotificationStatus.PENDING,
    )
    # The address it went to: blanked when the person is erased.
    sent_to = models.CharField(_("sent to"), max_length=300, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    created_at = models.DateTimeField(_("prepared"), default=timezone.now)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("prepared by"),
    )

    class Meta:
        verbose_name = _("notification to a person")
        verbose_name_plural = _("notifications to people")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                name="personnotification_sent_has_time",
                condition=~Q(status="sent") | Q(sent_at__isnull=False),
            ),
        ]
        indexes = [
            # The sending job picks the pending ones of a breach.
            models.Index(
                fields=["status"],
                condition=Q(status__in=["pending", "sending"]),
                name="personnotification_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.affected} {self.get_channel_display()}"


class TimelineKind(models.TextChoices):
    RECORDED = "recorded", _("Recorded")
    CHANGED = "changed", _("Changed")
    STATE = "state", _("State changed")
    PEOPLE_FOUND = "people_found", _("People found")
    AUTHORITY_NOTIFIED = "authority_notified", _("Ombudsman notified")
    REMINDER = "reminder", _("Reminder sent")
    NOTIFICATIONS = "notifications", _("Notifications to people")
    PUBLIC_COMMUNICATION = "public_communication", _("Public communication")


class TimelineEntry(models.Model):
    """One step in a breach's life. Append-only in the database: the record of what was done
    and when, which the Ombudsman may ask to see (GDPR Art. 33(5))."""

    breach = models.ForeignKey(
        Breach, on_delete=models.CASCADE, related_name="timeline", verbose_name=_("breach")
    )
    at = models.DateTimeField(_("time"), default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    kind = models.CharField(_("event"), max_length=30, choices=TimelineKind.choices)
    # Field names, states, counts and case numbers: never a person's data.
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["breach", "at"], name="breachtimeline_breach")]
        triggers = [
            pgtrigger.Protect(
                name=TIMELINE_PROTECT_TRIGGER, operation=pgtrigger.Update | pgtrigger.Delete
            ),
        ]

    def __str__(self) -> str:
        return f"{local_stamp(self.at)} {self.get_kind_display()}"

    def describe(self) -> str:
        """Return the entry in words."""
        d = self.details
        if self.kind == TimelineKind.CHANGED:
            names = [
                str(Breach._meta.get_field(f).verbose_name)
                for f in d.get("fields", [])
                if _is_field(f)
            ]
            return ", ".join(names)
        if self.kind == TimelineKind.STATE:
            states = dict(State.choices)
            return f"{states.get(d.get('from'), '')} → {states.get(d.get('to'), '')}"
        if self.kind == TimelineKind.PEOPLE_FOUND:
            return str(
                _("%(method)s: %(found)d found, %(new)d new")
                % {
                    "method": dict(FindMethod.choices).get(d.get("method"), ""),
                    "found": d.get("found", 0),
                    "new": d.get("new", 0),
                }
            )
        if self.kind == TimelineKind.AUTHORITY_NOTIFIED:
            phase = dict(Phase.choices).get(d.get("phase"), "")
            return f"{phase} {d.get('case_number', '')}".strip()
        if self.kind == TimelineKind.REMINDER:
            return str(_("%(hours)d hours since awareness") % {"hours": d.get("hours", 0)})
        if self.kind == TimelineKind.NOTIFICATIONS:
            return str(
                _("%(prepared)d prepared, %(sent)d sent, %(unreachable)d cannot be reached")
                % {
                    "prepared": d.get("prepared", 0),
                    "sent": d.get("sent", 0),
                    "unreachable": d.get("unreachable", 0),
                }
            )
        return ""


class FindMethod(models.TextChoices):
    """How the affected people were found from the register's own records."""

    STAFF_ACCOUNT = "staff_account", _("Staff account and time window")
    API_CLIENT = "api_client", _("API client and time window")
    DISCLOSURE = "disclosure", _("Disclosure or audience export")
    FILE = "file", _("Lost file")


def _is_field(name: str) -> bool:
    try:
        Breach._meta.get_field(name)
    except FieldDoesNotExist:  # a field since removed
        return False
    return True
