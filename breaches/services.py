"""What the privacy officer does with a breach, and what the scheduler does for them.

Every service runs in one transaction, attributes its changes to the acting user (history) and
writes the breach's timeline in the same transaction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.roles import Role
from audit.history import attributed_to
from audit.models import ReferenceCounter
from breaches import finding
from breaches.models import (
    REFERENCE_PREFIX,
    REMINDER_HOURS,
    AffectedPerson,
    AuthorityNotification,
    Breach,
    Decision,
    FindMethod,
    NotificationChannel,
    NotificationStatus,
    PersonNotification,
    Phase,
    State,
    TimelineEntry,
    TimelineKind,
)
from jobs.services import enqueue

if TYPE_CHECKING:
    from django.contrib.auth.models import User

logger = logging.getLogger(__name__)

# The job that sends the people's notices, recorded with what causes it (jobs/).
NOTIFY_JOB = "breaches.tasks.send_person_notifications"

# The order of the states: a breach only moves forward.
_STATE_ORDER = [State.OPEN, State.ASSESSED, State.AUTHORITY_NOTIFIED, State.PEOPLE_NOTIFIED]


class BreachRefused(Exception):
    """The step can't be taken; the message says why, in the user's language."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def _log(breach: Breach, kind: TimelineKind, by: User | None, **details: object) -> None:
    TimelineEntry.objects.create(breach=breach, kind=kind, by=by, details=details)


def _advance(breach: Breach, to: State, by: User | None) -> None:
    """Move the breach forward to `to` (never back), on the timeline too."""
    if breach.state == State.CLOSED or _STATE_ORDER.index(to) <= _STATE_ORDER.index(breach.state):
        return
    before = breach.state
    breach.state = to
    breach.save(update_fields=["state"])
    _log(breach, TimelineKind.STATE, by, **{"from": before, "to": to})


# --- The register ---------------------------------------------------------------------------


def breach_save(*, breach: Breach, changed: list[str], by: User) -> Breach:
    """Record a new breach or the officer's changes to one; an assessed risk moves an open
    breach to assessed."""
    if breach.state == State.CLOSED:
        raise BreachRefused(_("A closed breach is not changed."))
    with transaction.atomic(), attributed_to(by):
        created = breach.pk is None
        if created:
            breach.created_by = by
            breach.reference = ReferenceCounter.next_reference(
                REFERENCE_PREFIX, timezone.localtime(breach.became_aware_at).year
            )
            breach.save()
            _log(breach, TimelineKind.RECORDED, by)
        else:
            breach.save()
            if changed:
                _log(breach, TimelineKind.CHANGED, by, fields=sorted(changed))
        if breach.risk:
            _advance(breach, State.ASSESSED, by)
    return breach


def breach_close(*, breach: Breach, by: User) -> Breach:
    """Close the breach once its decisions are made and carried out."""
    problems = closing_problems(breach)
    if problems:
        raise BreachRefused(" ".join(problems))
    with transaction.atomic(), attributed_to(by):
        before = breach.state
        breach.state = State.CLOSED
        breach.closed_at = timezone.now()
        breach.save(update_fields=["state", "closed_at"])
        _log(breach, TimelineKind.STATE, by, **{"from": before, "to": State.CLOSED})
    return breach


def closing_problems(breach: Breach) -> list[str]:
    """Return what still stands in the way of closing the breach."""
    problems = []
    if breach.state == State.CLOSED:
        return [_("The breach is already closed.")]
    if not breach.risk:
        problems.append(_("Assess the risk first."))
    if not breach.authority_decision:
        problems.append(_("Decide whether the Ombudsman is notified."))
    elif breach.authority_decision == Decision.NOTIFY and breach.initial_notification() is None:
        problems.append(_("Record the notification to the Ombudsman."))
    if not breach.people_decision:
        problems.append(_("Decide whether the people are told."))
    elif breach.people_decision == Decision.NOTIFY and breach.public_communication_at is None:
        untold = breach.affected_people.filter(
            Q(notification__isnull=True) | Q(notification__status=NotificationStatus.PENDING)
        )
        if untold.exists():
            problems.append(_("Some affected people have not been told yet."))
    return problems


# --- The Ombudsman (GDPR Art. 33) -----------------------------------------------------------


def authority_notification_record(
    *,
    breach: Breach,
    phase: Phase,
    sent_at: datetime,
    case_number: str,
    content: str,
    late_reasons: str,
    by: User,
) -> AuthorityNotification:
    """Record a notification sent to the Ombudsman. An initial one after 72 hours needs the
    reasons for the delay (GDPR Art. 33(1)); a supplementary one follows an initial one."""
    if not breach.risk:
        raise BreachRefused(_("Assess the risk first."))
    if sent_at > timezone.now():
        raise BreachRefused(_("The time of sending can't be in the future."), field="sent_at")
    if sent_at < breach.became_aware_at:
        raise BreachRefused(
            _("The notification can't be sent before the company became aware."), field="sent_at"
        )
    initial = breach.initial_notification()
    if phase == Phase.INITIAL and initial is not None:
        raise BreachRefused(_("The initial notification is already recorded."), field="phase")
    if phase == Phase.SUPPLEMENTARY and initial is None:
        raise BreachRefused(_("Record the initial notification first."), field="phase")
    late = phase == Phase.INITIAL and breach.is_late(sent_at)
    if late and not late_reasons.strip():
        raise BreachRefused(
            _(
                "The notification was sent more than 72 hours after the company became aware: "
                "give the reasons for the delay (GDPR Art. 33(1))."
            ),
            field="late_reasons",
        )
    with transaction.atomic(), attributed_to(by):
        try:
            with transaction.atomic():
                notification = AuthorityNotification.objects.create(
                    breach=breach,
                    phase=phase,
                    sent_at=sent_at,
                    case_number=case_number.strip(),
                    content=content,
                    late=late,
                    late_reasons=late_reasons.strip() if late else "",
                    recorded_by=by,
                )
        except IntegrityError:  # two officers recording the initial one at once
            raise BreachRefused(
                _("The initial notification is already recorded."), field="phase"
            ) from None
        if not breach.authority_decision:
            breach.authority_decision = Decision.NOTIFY
            breach.authority_decision_reason = breach.authority_decision_reason or _(
                "Notified to the Ombudsman."
            )
            breach.save(update_fields=["authority_decision", "authority_decision_reason"])
        _log(
            breach,
            TimelineKind.AUTHORITY_NOTIFIED,
            by,
            phase=phase,
            case_number=notification.case_number,
            late=late,
        )
        _advance(breach, State.AUTHORITY_NOTIFIED, by)
    return notification


@dataclass(frozen=True)
class Art33Item:
    label: str
    text: str


def art33_items(breach: Breach) -> list[Art33Item]:
    """The content of each item of GDPR Art. 33(3), in Finnish, ready to paste into the
    Ombudsman's form."""
    with translation.override("fi"):
        categories = ", ".join(
            str(label)
            for code, label in Breach._meta.get_field("data_categories").base_field.choices
            if code in breach.data_categories
        )
        people = breach.people_estimate()
        unknown = _("not known yet")
        nature = "\n".join(
            line
            for line in (
                f"{_('Kind')}: {breach.get_kind_display()}, {breach.get_nature_display()}",
                f"{_('What happened')}: {breach.description}",
                f"{_('Cause')}: {breach.cause}" if breach.cause else "",
                f"{_('Happened')}: {_window(breach)}",
                f"{_('Became aware')}: {_when(breach.became_aware_at)}",
                f"{_('Categories of data')}: {categories or unknown}",
                f"{_('Categories of people')}: {breach.people_categories or unknown}",
                f"{_('People affected (approximately)')}: "
                f"{people if people is not None else unknown}",
                f"{_('Records affected (approximately)')}: "
                f"{breach.approx_records if breach.approx_records is not None else unknown}",
            )
            if line
        )
        controller = settings.CONTROLLER
        contact = "\n".join(
            [
                f"{controller['name']} ({controller['business_id']})",
                f"{_('Privacy contact')}: {controller['privacy_contact']}",
                f"{_('Phone')}: {controller['phone']}",
                controller["address"],
            ]
        )
        measures = "\n".join(
            line
            for line in (
                f"{_('Measures taken')}: {breach.measures_taken}" if breach.measures_taken else "",
                f"{_('Measures planned')}: {breach.measures_planned}"
                if breach.measures_planned
                else "",
            )
            if line
        )
        items = [
            Art33Item(
                _("(a) The nature of the breach, categories and approximate numbers"), nature
            ),
            Art33Item(_("(b) Contact point for more information"), contact),
            Art33Item(_("(c) Likely consequences"), breach.consequences or unknown),
            Art33Item(_("(d) Measures taken or proposed"), measures or unknown),
        ]
        initial = breach.initial_notification()
        if initial is None and timezone.now() > breach.authority_deadline:
            items.append(
                Art33Item(
                    _("Reasons for the delay (Art. 33(1))"),
                    _("Write the reasons for the delay here."),
                )
            )
        return items


def art33_text(breach: Breach) -> str:
    return "\n\n".join(f"{item.label}\n{item.text}" for item in art33_items(breach))


def _when(moment: datetime | None) -> str:
    from django.utils import formats

    if moment is None:
        return ""
    return formats.date_format(timezone.localtime(moment), "j.n.Y G.i")


def _window(breach: Breach) -> str:
    if breach.occurred_from and breach.occurred_until:
        return f"{_when(breach.occurred_from)} – {_when(breach.occurred_until)}"
    if breach.occurred_from or breach.occurred_until:
        return _when(breach.occurred_from or breach.occurred_until)
    return _("not known yet")


# --- The 72-hour reminders ------------------------------------------------------------------


def send_reminders(*, now: datetime | None = None) -> int:
    """Send the privacy officers each due reminder (24 h, 60 h) of every breach whose clock
    runs, once; return how many were sent.

    Each reminder is claimed by a conditional UPDATE of its marker in the transaction that
    sends it: a second run at the same time waits for the row, then finds the marker set. A
    failed send rolls the marker back, so the next run tries again. A breach already past 60
    hours gets only the 60-hour reminder.
    """
    now = now or timezone.now()
    sent = 0
    for hours in sorted(REMINDER_HOURS, reverse=True):
        marker = f"reminded_{hours}h_at"
        later = [f"reminded_{h}h_at" for h in REMINDER_HOURS if h > hours]
        due = Breach.objects.clock_running().filter(
            became_aware_at__lte=now - timedelta(hours=hours), **{marker: None}
        )
        for pk in list(due.values_list("pk", flat=True)):
            try:
                sent += _remind_once(pk, hours=hours, marker=marker, later=later, now=now)
            except Exception:  # the marker rolled back with it: the next run tries again
                logger.exception("Breach reminder (%d h) of breach #%d not sent", hours, pk)
    return sent


def _remind_once(pk: int, *, hours: int, marker: str, later: list[str], now: datetime) -> int:
    with transaction.atomic():
        claimed = Breach.objects.filter(pk=pk, **{marker: None}).update(**{marker: now})
        if not claimed:
            return 0
        breach = Breach.objects.get(pk=pk)
        if any(getattr(breach, name) for name in later):
            return 0  # the later reminder already went: this one is moot
        _send_reminder(breach, hours)
        _log(breach, TimelineKind.REMINDER, None, hours=hours)
    return 1


def privacy_officer_emails() -> list[str]:
    users = (
        get_user_model()
        .objects.filter(groups__name=Role.PRIVACY_OFFICER.value, is_active=True)
        .exclude(email="")
    )
    return sorted(set(users.values_list("email", flat=True)))


def _send_reminder(breach: Breach, hours: int) -> None:
    """The email names the breach by its reference and links to it: nothing else, since an
    email may be read anywhere."""
    link = settings.SITE_URL + reverse("admin:breaches_breach_change", args=[breach.pk])
    with translation.override("fi"):
        subject = _("Breach %(reference)s: %(hours)d of the 72 hours have passed") % {
            "reference": breach.reference,
            "hours": hours,
        }
        body = render_to_string(
            "breaches/reminder_email.txt",
            {"reference": breach.reference, "hours": hours, "link": link},
        )
    recipients = privacy_officer_emails()
    if recipients:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    else:
        logger.warning("Breach %s: no privacy officer has an email address.", breach.reference)


# --- Finding the people affected ------------------------------------------------------------


def people_find(
    *,
    breach: Breach,
    method: FindMethod,
    by: User,
    user_pk: int | None = None,
    api_client_pk: int | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    disclosure_pk: int | None = None,
    file_name: str = "",
) -> finding.Found:
    """Find the people the breach involved from the register's records, add them to its
    affected-people list and count them into its numbers."""
    if breach.state == State.CLOSED:
        raise BreachRefused(_("A closed breach is not changed."))
    if method == FindMethod.STAFF_ACCOUNT:
        pairs = finding.access_log_pairs(
            actor_field="user_id", actor_pk=user_pk, start=start, end=end
        ) + finding.history_pairs(context_key="user", actor_pk=user_pk, start=start, end=end)
    elif method == FindMethod.API_CLIENT:
        pairs = finding.access_log_pairs(
            actor_field="api_client_id", actor_pk=api_client_pk, start=start, end=end
        ) + finding.history_pairs(
            context_key="api_client", actor_pk=api_client_pk, start=start, end=end
        )
    elif method == FindMethod.DISCLOSURE:
        pairs = finding.disclosure_pairs(disclosure_pk=disclosure_pk)
    elif method == FindMethod.FILE:
        pairs = finding.file_pairs(name=file_name)
    else:
        raise ValueError(method)
    with transaction.atomic(), attributed_to(by):
        found = finding.store(breach_pk=breach.pk, pairs=pairs, by_pk=by.pk)
        breach.people_found = breach.affected_people.count()
        breach.save(update_fields=["people_found"])
        _log(
            breach,
            TimelineKind.PEOPLE_FOUND,
            by,
            method=method,
            found=found.found,
            new=found.new,
        )
    return found


# --- Telling the people (GDPR Art. 34) ------------------------------------------------------


@dataclass(frozen=True)
class Prepared:
    email: int
    letter: int
    unreachable: int

    @property
    def total(self) -> int:
        return self.email + self.letter + self.unreachable


def notifications_prepare(*, breach: Breach, by: User) -> Prepared:
    """Prepare one notice for each affected person who has none: by email where the person has
    an address, else by letter, else listed as unreachable; then send the emails after commit.

    One statement with ON CONFLICT DO NOTHING on the one-per-person constraint: preparing
    again, or twice at once, never makes a second notice.
    """
    from customers.models import Customer

    if breach.state == State.CLOSED:
        raise BreachRefused(_("A closed breach is not changed."))
    if not breach.consequences.strip() or not breach.measures_taken.strip():
        raise BreachRefused(
            _("Write the likely consequences and the measures taken first: the notice names them.")
        )
    table = PersonNotification._meta.db_table
    affected = AffectedPerson._meta.db_table
    people = Customer._meta.db_table
    # Email where the person has an address, else a letter to a full postal address; the
    # deceased, and anyone with neither, are listed as unreachable.
    channel = (
        "CASE WHEN c.life_status = 'deceased' THEN 'none' WHEN c.email <> '' THEN 'email' "
        "WHEN c.street_address <> '' AND c.postal_code <> '' AND c.city <> '' THEN 'letter' "
        "ELSE 'none' END"
    )
    sql = (
        f"WITH made AS (INSERT INTO {table} "  # noqa: S608 (table names from model metadata)
        "(affected_id, channel, language, status, sent_to, created_at, prepared_by_id) "
        "SELECT p.id, p.channel, p.language, "
        "CASE WHEN p.channel = 'none' THEN 'unreachable' ELSE 'pending' END, '', now(), %s "
        f"FROM (SELECT a.id, {channel} AS channel, "
        "CASE WHEN c.preferred_language = 'en' THEN 'en' ELSE 'fi' END AS language "
        f"FROM {affected} a JOIN {people} c ON c.id = a.customer_id "
        "WHERE a.breach_id = %s) AS p "
        "ON CONFLICT (affected_id) DO NOTHING RETURNING channel) "
        "SELECT count(*) FILTER (WHERE channel = 'email'), "
        "count(*) FILTER (WHERE channel = 'letter'), count(*) FILTER (WHERE channel = 'none') "
        "FROM made"
    )
    with transaction.atomic(), attributed_to(by):
        with connection.cursor() as cursor:
            cursor.execute(sql, [by.pk, breach.pk])
            email, letter, unreachable = cursor.fetchone()
        prepared = Prepared(email=email, letter=letter, unreachable=unreachable)
        if prepared.total:
            _log(
                breach,
                TimelineKind.NOTIFICATIONS,
                by,
                prepared=prepared.total,
                sent=0,
                unreachable=unreachable,
            )
            _advance(breach, State.PEOPLE_NOTIFIED, by)
        enqueue(NOTIFY_JOB, breach.pk)
    return prepared


def notifications_send_emails(*, breach_pk: int) -> int:
    """Send the breach's pending email notices, each in its own transaction; return how many.

    The row is locked while its email goes (FOR UPDATE SKIP LOCKED: two workers never take the
    same one) and marked sent in the same transaction, so a retried job sends only what is
    still pending. A failed send leaves it pending for the next attempt.
    """
    sent = 0
    while True:
        with transaction.atomic():
            notification = (
                PersonNotification.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("affected__customer", "affected__breach")
                .filter(
                    affected__breach_id=breach_pk,
                    channel=NotificationChannel.EMAIL,
                    status=NotificationStatus.PENDING,
                )
                .order_by("pk")
                .first()
            )
            if notification is None:
                break
            customer = notification.affected.customer
            if customer is None or not customer.email:
                notification.status = NotificationStatus.UNREACHABLE
                notification.save(update_fields=["status"])
                continue
            subject, body = person_notice(notification.affected.breach, notification.language)
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [customer.email])
            notification.status = NotificationStatus.SENT
            notification.sent_at = timezone.now()
            notification.sent_to = customer.email
            notification.save(update_fields=["status", "sent_at", "sent_to"])
            sent += 1
    if sent:
        breach = Breach.objects.get(pk=breach_pk)
        _log(breach, TimelineKind.NOTIFICATIONS, None, prepared=0, sent=sent, unreachable=0)
    return sent


def letters_posted(*, breach: Breach, by: User) -> int:
    """Record the pending letters as posted today; return how many."""
    from customers.models import Customer

    with transaction.atomic(), attributed_to(by):
        pending = list(
            PersonNotification.objects.select_for_update(of=("self",))
            .select_related("affected__customer")
            .filter(
                affected__breach=breach,
                channel=NotificationChannel.LETTER,
                status=NotificationStatus.PENDING,
            )
        )
        now = timezone.now()
        for notification in pending:
            customer: Customer | None = notification.affected.customer
            notification.status = NotificationStatus.SENT
            notification.sent_at = now
            notification.sent_to = (
                f"{customer.street_address}, {customer.postal_code} {customer.city}"
                if customer
                else ""
            )
        PersonNotification.objects.bulk_update(pending, ["status", "sent_at", "sent_to"])
        if pending:
            _log(
                breach, TimelineKind.NOTIFICATIONS, by, prepared=0, sent=len(pending), unreachable=0
            )
    return len(pending)


def public_communication_record(
    *, breach: Breach, at: datetime, where: str, reason: str, by: User
) -> Breach:
    """Record a public communication made instead of telling each person (GDPR Art. 34(3)(c)),
    with the reason why telling each would take disproportionate effort."""
    if not reason.strip():
        raise BreachRefused(
            _("Say why telling each person would take disproportionate effort."), field="reason"
        )
    if not where.strip():
        raise BreachRefused(_("Say where the communication was published."), field="where")
    if breach.state == State.CLOSED:
        raise BreachRefused(_("A closed breach is not changed."))
    with transaction.atomic(), attributed_to(by):
        breach.public_communication_at = at
        breach.public_communication_where = where.strip()
        breach.public_communication_reason = reason.strip()
        breach.save(
            update_fields=[
                "public_communication_at",
                "public_communication_where",
                "public_communication_reason",
            ]
        )
        _log(breach, TimelineKind.PUBLIC_COMMUNICATION, by)
        _advance(breach, State.PEOPLE_NOTIFIED, by)
    return breach


def person_notice(breach: Breach, language: str) -> tuple[str, str]:
    """Return the subject and text of the notice to a person, in plain Finnish or English."""
    with translation.override("en" if language == "en" else "fi"):
        subject = _("Information about a data security breach concerning your data")
        body = render_to_string(
            "breaches/person_notice.txt",
            {
                "breach": breach,
                "reference": breach.reference,
                "controller": settings.CONTROLLER,
                "happened": _window(breach),
            },
        )
    return subject, body
