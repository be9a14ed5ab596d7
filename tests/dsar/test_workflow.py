"""The request's states, identity before any action, pauses, extension, the timeline."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone

from dsar import services
from dsar.models import (
    TRANSITIONS,
    DataSubjectRequest,
    IdentityMethod,
    LetterKind,
    PauseReason,
    RequestType,
    State,
    TimelineEntry,
    TimelineKind,
    WorkflowError,
)
from tests.customers.factories import CustomerFactory
from tests.dsar.factories import make_request, settle_all

pytestmark = pytest.mark.django_db

ALL_STATES = list(State)


def _in_state(state: State, by) -> DataSubjectRequest:
    """A request brought to `state` along allowed moves."""
    dsar = make_request(by=by, received_on=timezone.localdate() - timedelta(days=2))
    if state == State.RECEIVED:
        return dsar
    if state == State.IDENTITY_CHECK:
        services.start_identity_check(dsar=dsar, by=by)
        return dsar
    if state in (State.REJECTED, State.WITHDRAWN):
        if state == State.REJECTED:
            services.reject(dsar=dsar, reason="Ilmeisen perusteeton", by=by)
        else:
            services.withdraw(dsar=dsar, note="Peruttu kirjeellä", by=by)
        return dsar
    services.verify_identity(dsar=dsar, method=IdentityMethod.ID_DOCUMENT, note="", by=by)
    if state == State.EXTENDED:
        services.extend(dsar=dsar, months=2, reason="Laaja pyyntö", by=by)
    if state == State.COMPLETED:
        settle_all(dsar, by=by)
        services.complete(dsar=dsar, summary="Tiedot toimitettu", granted_in_full=True, by=by)
    return dsar


def test_reference_numbers_run_per_year(privacy_officer):
    first = make_request(by=privacy_officer, received_on=date(2025, 12, 30))
    second = make_request(by=privacy_officer, received_on=date(2025, 12, 31))
    third = make_request(by=privacy_officer, received_on=date(2026, 1, 2))
    assert (first.reference, second.reference) == ("TSP-2025-0001", "TSP-2025-0002")
    assert third.reference == "TSP-2026-0001"


@pytest.mark.parametrize("source", ALL_STATES)
@pytest.mark.parametrize("target", ALL_STATES)
def test_only_the_listed_transitions_are_allowed(privacy_officer, source, target):
    dsar = _in_state(source, privacy_officer)
    assert dsar.state == source
    allowed = target in TRANSITIONS[source]
    assert dsar.can_move_to(target) is allowed
    if not allowed:
        with pytest.raises(WorkflowError):
            dsar.check_transition(target)


def test_a_refused_transition_says_why_and_changes_nothing(privacy_officer):
    dsar = _in_state(State.COMPLETED, privacy_officer)
    with pytest.raises(WorkflowError, match="ei voi muuttaa"):
        services.withdraw(dsar=dsar, note="", by=privacy_officer)
    dsar.refresh_from_db()
    assert dsar.state == State.COMPLETED


def test_no_work_starts_before_identity_is_verified(privacy_officer):
    dsar = make_request(by=privacy_officer)
    services.start_identity_check(dsar=dsar, by=privacy_officer)
    with pytest.raises(WorkflowError, match="henkilöllisyys"):
        services.record_action(dsar=dsar, text="Tietopaketti", by=privacy_officer)
    with pytest.raises(WorkflowError, match="henkilöllisyys"):
        dsar.check_transition(State.IN_PROGRESS)
    with pytest.raises(WorkflowError):
        services.complete(dsar=dsar, summary="x", granted_in_full=True, by=privacy_officer)
    # The database refuses it too, whatever code tries.
    with pytest.raises(DatabaseError), transaction.atomic():
        DataSubjectRequest.objects.filter(pk=dsar.pk).update(state=State.IN_PROGRESS)


def test_identity_is_kept_as_a_fact_never_a_personal_identity_code(privacy_officer):
    dsar = make_request(by=privacy_officer)
    with pytest.raises(ValidationError):
        services.verify_identity(
            dsar=dsar, method=IdentityMethod.OTHER, note="hetu 010190-123A", by=privacy_officer
        )
    with pytest.raises(ValidationError):
        services.verify_identity(
            dsar=dsar, method=IdentityMethod.OTHER, note="", by=privacy_officer
        )
    services.verify_identity(
        dsar=dsar,
        method=IdentityMethod.ID_DOCUMENT,
        note="Henkilökortti tarkistettu",
        by=privacy_officer,
    )
    dsar.refresh_from_db()
    assert dsar.state == State.IN_PROGRESS
    assert dsar.identity_verified_by == privacy_officer
    services.record_action(dsar=dsar, text="Tietopaketti koottu", by=privacy_officer)
    kinds = list(dsar.timeline.values_list("kind", flat=True))
    assert kinds[0] == TimelineKind.ACTION  # newest first


def test_a_pause_moves_the_deadline_by_the_paused_days(privacy_officer):
    with time_machine.travel(date(2027, 3, 8), tick=False):
        dsar = make_request(by=privacy_officer, received_on=date(2027, 3, 5))
        assert dsar.due_on == date(2027, 4, 5)
        services.pause(
            dsar=dsar,
            reason=PauseReason.IDENTITY,
            note="Odotetaan",
            started_on=date(2027, 3, 8),
            by=privacy_officer,
        )
        with pytest.raises(WorkflowError, match="jo keskeytetty"):
            services.pause(
                dsar=dsar,
                reason=PauseReason.CLARIFICATION,
                note="",
                started_on=date(2027, 3, 8),
                by=privacy_officer,
            )
    with time_machine.travel(date(2027, 3, 18), tick=False):
        services.resume(dsar=dsar, ended_on=date(2027, 3, 18), by=privacy_officer)
    dsar.refresh_from_db()
    assert (dsar.paused, dsar.paused_days, dsar.due_on) == (False, 10, date(2027, 4, 15))
    assert dsar.pauses.get().days == 10


def test_verifying_identity_ends_the_pause_that_waited_for_it(privacy_officer):
    with time_machine.travel(date(2027, 3, 10), tick=False):
        dsar = make_request(by=privacy_officer, received_on=date(2027, 3, 5))
        services.pause(
            dsar=dsar,
            reason=PauseReason.IDENTITY,
            note="",
            started_on=date(2027, 3, 6),
            by=privacy_officer,
        )
        services.verify_identity(
            dsar=dsar, method=IdentityMethod.STRONG_EID, note="", by=privacy_officer
        )
    dsar.refresh_from_db()
    assert (dsar.paused, dsar.paused_days, dsar.due_on) == (False, 4, date(2027, 4, 9))


def test_extension_once_within_the_first_month_with_reasons_and_a_letter(privacy_officer):
    with time_machine.travel(date(2027, 3, 20), tick=False):
        dsar = make_request(by=privacy_officer, received_on=date(2027, 3, 5))
        services.verify_identity(
            dsar=dsar, method=IdentityMethod.STRONG_EID, note="", by=privacy_officer
        )
        with pytest.raises(ValidationError):
            services.extend(dsar=dsar, months=2, reason=" ", by=privacy_officer)
        with pytest.raises(ValidationError):
            services.extend(dsar=dsar, months=3, reason="Laaja", by=privacy_officer)
        letter = services.extend(dsar=dsar, months=2, reason="Laaja pyyntö", by=privacy_officer)
        assert letter.kind == LetterKind.EXTENSION
        dsar.refresh_from_db()
        assert (dsar.state, dsar.due_on) == (State.EXTENDED, date(2027, 6, 7))
        with pytest.raises(WorkflowError, match="jo pidennetty"):
            services.extend(dsar=dsar, months=1, reason="Uudelleen", by=privacy_officer)


def test_no_extension_after_the_first_month(privacy_officer):
    with time_machine.travel(date(2027, 3, 10), tick=False):
        dsar = make_request(by=privacy_officer, received_on=date(2027, 3, 5))
        services.verify_identity(
            dsar=dsar, method=IdentityMethod.STRONG_EID, note="", by=privacy_officer
        )
    # Due 5.4.2027; on the due day it may still be extended, the day after not.
    with (
        time_machine.travel(date(2027, 4, 6), tick=False),
        pytest.raises(WorkflowError, match="ei voi enää pidentää"),
    ):
        services.extend(dsar=dsar, months=2, reason="Myöhässä", by=privacy_officer)
    dsar.refresh_from_db()
    assert dsar.state == State.IN_PROGRESS
    assert not dsar.letters.exists()


def test_a_rejection_needs_the_reason(privacy_officer):
    dsar = make_request(by=privacy_officer)
    with pytest.raises(ValidationError):
        services.reject(dsar=dsar, reason="  ", by=privacy_officer)
    letter = services.reject(dsar=dsar, reason="Ilmeisen perusteeton", by=privacy_officer)
    dsar.refresh_from_db()
    assert dsar.state == State.REJECTED and dsar.closed_at is not None
    assert letter.kind == LetterKind.REJECTION


def test_the_same_persons_open_request_of_the_same_type_is_a_warning(privacy_officer):
    person = CustomerFactory()
    make_request(by=privacy_officer, customer=person, types=[RequestType.ACCESS])
    registered = services.register_request(
        types=[RequestType.ACCESS, RequestType.ERASURE],
        channel="letter",
        requester_name="Maija",
        received_on=timezone.localdate(),
        customer=person,
        by=privacy_officer,
    )
    assert registered.created
    assert len(registered.warnings) == 1
    assert registered.request.timeline.filter(kind=TimelineKind.WARNING).exists()


def test_the_timeline_is_append_only(privacy_officer):
    dsar = make_request(by=privacy_officer)
    entry = dsar.timeline.get()
    with pytest.raises(DatabaseError), transaction.atomic():
        TimelineEntry.objects.filter(pk=entry.pk).update(text="muutettu")
    with pytest.raises(DatabaseError), transaction.atomic():
        TimelineEntry.objects.filter(pk=entry.pk).delete()


def test_the_day_of_receipt_cannot_be_in_the_future(privacy_officer):
    with pytest.raises(ValidationError):
        make_request(by=privacy_officer, received_on=timezone.localdate() + timedelta(days=1))


def test_a_request_completes_only_when_every_part_is_done_or_refused(privacy_officer):
    dsar = make_request(by=privacy_officer, types=["access", "erasure"])
    services.verify_identity(
        dsar=dsar, method=IdentityMethod.STRONG_EID, note="", by=privacy_officer
    )
    services.settle(dsar=dsar, type="access", outcome="done", note="", by=privacy_officer)
    with pytest.raises(WorkflowError, match="Poistaminen"):
        services.complete(dsar=dsar, summary="Valmis", granted_in_full=True, by=privacy_officer)
    with pytest.raises(ValidationError):
        services.settle(dsar=dsar, type="erasure", outcome="refused", note=" ", by=privacy_officer)
    services.settle(
        dsar=dsar,
        type="erasure",
        outcome="refused",
        note="Kirjanpitolaki edellyttää säilyttämistä (17 art. 3 kohta)",
        by=privacy_officer,
    )
    letter = services.complete(
        dsar=dsar, summary="Tiedot annettu", granted_in_full=True, by=privacy_officer
    )
    # A refused part: the answer does not grant the request in full, and says so.
    assert letter.granted_in_full is False
