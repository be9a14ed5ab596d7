"""Issue #3: a contact person whose only reason to be in the register was an ended role goes
whole 12 months after the role ended (the `ended-contact-roles` policy, through erasure)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from pghistory.models import Events

from audit.models import AccessAction, AccessLogEntry, AccessPurpose
from calls.models import CallRecording
from consents.models import BanKind, Channel
from consents.services import ban_record, consent_give
from customers.models import ContactRole, Customer, GroupMembership
from customers.personal_data import ENDED_CONTACT_ROLES
from privacy import retention
from privacy.declarations import registry
from privacy.models import ErasureReason, ErasureRecord, PendingFileDeletion, RunStatus
from privacy.restriction import restriction_set
from tests.calls.factories import CallRecordingFactory
from tests.customers.factories import (
    ContactRoleFactory,
    CoverageFactory,
    CustomerFactory,
    GroupFactory,
    InsuranceFactory,
    ServiceUseFactory,
)
from tests.feedback.factories import FeedbackFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 25)
PAST_PERIOD = TODAY - timedelta(days=366)  # ended 12 months + 1 day ago
WITHIN_PERIOD = TODAY - timedelta(days=364)  # ended 12 months - 1 day ago


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    return root


@pytest.fixture(autouse=True)
def today(time_machine):
    time_machine.move_to("2026-11-25 12:00:00+02:00", tick=False)


def ended_role(ended_on: date = PAST_PERIOD, **kwargs) -> ContactRole:
    return ContactRoleFactory(started_on=date(2020, 1, 1), ended_on=ended_on, **kwargs)


def run_policy():
    return retention.enforce(ENDED_CONTACT_ROLES)


def test_a_contact_only_person_goes_whole_with_history_and_access_log(
    clerk, django_capture_on_commit_callbacks
):
    role = ended_role()
    person = role.customer
    AccessLogEntry.record(
        actor=clerk,
        action=AccessAction.VIEW,
        purpose=AccessPurpose.CUSTOMER_SERVICE,
        subject=person,
    )
    assert Events.objects.references(person).exists()

    with django_capture_on_commit_callbacks(execute=True):
        run = run_policy()

    assert not Customer.objects.filter(pk=person.pk).exists()
    assert not ContactRole.objects.filter(pk=role.pk).exists()
    assert not Events.objects.references(person).exists()
    assert not Events.objects.filter(pgh_obj_model="customers.Customer", pgh_obj_id=str(person.pk))
    assert not Events.objects.filter(pgh_obj_model="customers.ContactRole", pgh_obj_id=str(role.pk))
    person_type = ContentType.objects.get_for_model(Customer)
    assert not AccessLogEntry.objects.filter(subject_type=person_type, subject_id=person.pk)
    record = ErasureRecord.objects.get()
    assert record.reason == ErasureReason.RETENTION and record.erased_by is None
    assert record.reference == f"ended-contact-roles #{run.pk}"
    assert record.deleted("customers.Customer") == 1
    assert (run.status, run.people, run.rows, run.errors) == (RunStatus.SUCCEEDED, 1, 1, 0)


def test_a_person_whose_role_ended_less_than_twelve_months_ago_stays():
    role = ended_role(WITHIN_PERIOD)
    run = run_policy()
    assert ContactRole.objects.filter(pk=role.pk).exists()
    assert Customer.objects.filter(pk=role.customer_id).exists()
    assert not ErasureRecord.objects.exists()
    assert (run.people, run.rows) == (0, 0)


def _service(person, **_):
    return ServiceUseFactory(customer=person)


def _insurance(person, **_):
    # An insurance keeps the person while it is valid (an open-ended one by itself does not).
    return InsuranceFactory(customer=person, valid_until=timezone.localdate() + timedelta(days=30))


def _coverage(person, **_):
    return CoverageFactory(customer=person)


def _group(person, **_):
    return GroupMembership.objects.create(customer=person, group=GroupFactory())


def _feedback(person, **_):
    return FeedbackFactory(customer=person)


def _recording(person, **_):
    return CallRecordingFactory(customer=person)


def _second_role(person, **_):
    return ContactRoleFactory(customer=person, ended_on=None)


def _consent(person, clerk, **_):
    return consent_give(
        customer=person, purpose="email-marketing", channel=Channel.PHONE, by=clerk
    ).state


def _ban(person, clerk, **_):
    ban, _created = ban_record(
        customer=person, kind=BanKind.DIRECT_MARKETING, channel=Channel.PHONE, by=clerk
    )
    return ban


def _restriction(person, privacy_officer, **_):
    restriction, _created = restriction_set(
        customer=person, reason="Asiakas kiistää tietojen oikeellisuuden.", by=privacy_officer
    )
    return restriction


REASONS = [
    _service,
    _insurance,
    _coverage,
    _feedback,
    _recording,
    _second_role,
    _consent,
    _ban,
    _restriction,
]


@pytest.mark.parametrize("reason", REASONS, ids=lambda f: f.__name__.strip("_"))
def test_a_person_with_another_reason_loses_only_the_ended_role(
    reason, clerk, privacy_officer, django_capture_on_commit_callbacks
):
    role = ended_role()
    person = role.customer
    kept = reason(person, clerk=clerk, privacy_officer=privacy_officer)
    other_events = Events.objects.references(person).exclude(
        pgh_obj_model="customers.ContactRole", pgh_obj_id=str(role.pk)
    )
    events_before = other_events.count()

    with django_capture_on_commit_callbacks(execute=True):
        run = run_policy()

    assert not ContactRole.objects.filter(pk=role.pk).exists()
    assert Customer.objects.filter(pk=person.pk).exists()
    assert type(kept).objects.filter(pk=kept.pk).exists()
    assert other_events.count() == events_before
    assert not ErasureRecord.objects.exists()
    assert (run.people, run.rows, run.errors) == (0, 1, 0)


def test_a_group_membership_or_an_expired_insurance_is_no_reason(clerk):
    """A grouping for analysis is no customer relationship, nor is an insurance whose
    validity ended (issue #16: they kept the bare person forever)."""
    role = ended_role()
    person = role.customer
    GroupMembership.objects.create(customer=person, group=GroupFactory())
    InsuranceFactory(customer=person, valid_until=timezone.localdate() - timedelta(days=1))

    run = run_policy()

    assert not Customer.objects.filter(pk=person.pk).exists()
    assert (run.people, run.errors) == (1, 0)


def test_a_due_recording_is_no_reason_and_its_file_goes_after_commit(
    media_root, django_capture_on_commit_callbacks
):
    role = ended_role()
    person = role.customer
    recording = CallRecordingFactory(
        customer=person, started_at=timezone.now() - timedelta(days=40)
    )
    audio = media_root / recording.audio.name

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run_policy()
        assert not CallRecording.objects.filter(pk=recording.pk).exists()
        # The erasure is done, but the file waits for the commit.
        assert audio.exists()
        assert PendingFileDeletion.objects.filter(storage_name=recording.audio.name).exists()
    for callback in callbacks:
        callback()

    assert not audio.exists()
    assert not Customer.objects.filter(pk=person.pk).exists()
    assert not PendingFileDeletion.objects.exists()


def test_a_blocked_erasure_is_an_error_of_the_run_and_the_person_stays(monkeypatch):
    role = ended_role()
    person = role.customer
    feedback = FeedbackFactory(customer=person)
    # Feedback's declaration forgotten: nothing keeps the person, yet its PROTECT blocks.
    monkeypatch.delitem(registry.personal, "feedback.feedback")

    run = run_policy()

    assert Customer.objects.filter(pk=person.pk).exists()
    assert type(feedback).objects.filter(pk=feedback.pk).exists()
    assert not ErasureRecord.objects.exists()
    assert (run.status, run.people, run.errors) == (RunStatus.FAILED, 0, 1)
    assert f"#{person.pk} cannot be erased" in run.messages
    assert "feedback.Feedback" in run.messages
    # The due role stays, still naming the person, so the next run tries again.
    assert ContactRole.objects.filter(pk=role.pk).exists()
    monkeypatch.undo()
    type(feedback).objects.filter(pk=feedback.pk).delete()
    again = run_policy()
    assert (again.status, again.people) == (RunStatus.SUCCEEDED, 1)
    assert not Customer.objects.filter(pk=person.pk).exists()


def test_running_twice_erases_once():
    role = ended_role()
    first, second = run_policy(), run_policy()
    assert (first.people, second.people) == (1, 0)
    assert not Customer.objects.filter(pk=role.customer_id).exists()
    assert ErasureRecord.objects.count() == 1


def test_only_the_people_who_lost_a_role_are_erased():
    gone = ended_role().customer
    nobody_else = CustomerFactory()  # no reason either, but no role removed: not this policy's
    run_policy()
    assert not Customer.objects.filter(pk=gone.pk).exists()
    assert Customer.objects.filter(pk=nobody_else.pk).exists()


def test_a_dry_run_counts_the_people_it_would_erase_and_changes_nothing():
    from io import StringIO

    from django.core.management import call_command

    contact_only = ended_role().customer
    ended_role(customer=ServiceUseFactory().customer)  # a customer too: stays
    assert retention.dry_run(ENDED_CONTACT_ROLES).people == 1
    out = StringIO()
    call_command("enforce_retention", "--policy", "ended-contact-roles", "--dry-run", stdout=out)
    assert "would remove 2 rows and 0 files, erasing 1 person whole (dry run)" in out.getvalue()
    assert Customer.objects.filter(pk=contact_only.pk).exists()
    assert ContactRole.objects.count() == 2
