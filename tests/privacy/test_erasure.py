"""Erasing a person from the declarations (privacy/erasure.py): every table, files after
commit, a proof without personal data, and all or nothing."""

from __future__ import annotations

import hashlib
from datetime import date

import pghistory
import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from pghistory.models import Event

from audit.models import AccessAction, AccessLogEntry, AccessPurpose
from calls.models import CallRecording, RecordingHold
from calls.services import hold_release
from consents.models import Channel, ConsentEvent, ConsentState, Disclosure, DisclosureSubject
from consents.services import consent_give, consent_withdraw, disclosure_record
from customers.models import ContactRole, Customer, KnownName, ServiceStatus, ServiceUse
from feedback.models import Feedback
from privacy.declarations import Basis, Category, registry
from privacy.erasure import ErasureBlocked, erase_person, people_without_reason
from privacy.models import ErasureReason, ErasureRecord, PendingFileDeletion
from tests.calls.factories import CallRecordingFactory, RecordingHoldFactory
from tests.consents.factories import RecipientFactory
from tests.customers.factories import ContactRoleFactory, CustomerFactory, ServiceUseFactory
from tests.feedback.factories import FeedbackFactory

pytestmark = pytest.mark.django_db


def event_models() -> list[type[Event]]:
    return [m for m in apps.get_models() if issubclass(m, Event) and not m._meta.proxy]


def history_naming(rows: dict[type, list[int]], person_pk: int) -> int:
    """Count history rows that copy one of these rows or name the person by reference."""
    found = 0
    for event_model in event_models():
        tracked = event_model.pgh_tracked_model
        ids = rows.get(tracked, [])
        found += event_model.objects.filter(pgh_obj_id__in=ids).count()
        reference = {f.name: f for f in event_model._meta.concrete_fields}.get("customer")
        if reference is not None:
            found += event_model.objects.filter(customer_id=person_pk).count()
    return found


def remaining_bytes(media_root, disclosure) -> bytes:
    return (media_root / disclosure.copy.name).read_bytes()


@pytest.fixture
def person_with_everything(clerk, supervisor, privacy_officer):
    """A person with a role, a service, feedback, a recording, a withdrawn consent, a
    disclosure shared with someone else, and access-log entries about all of it."""
    person = CustomerFactory(first_name="Ainutlaatuinen", last_name="Erasurenen")
    other = CustomerFactory()
    role = ContactRoleFactory(customer=person)
    ContactRole.objects.filter(pk=role.pk).update(title="Talousjohtaja")  # an update event
    # Asked for, not used: no voucher the Accounting Act keeps and no payment owed (those are
    # tests/customers/test_inactivity.py's).
    service = ServiceUseFactory(customer=person, status=ServiceStatus.REQUESTED)
    feedback = FeedbackFactory(customer=person)
    recording = CallRecordingFactory(customer=person)
    hold = RecordingHoldFactory(recording=recording, placed_by=privacy_officer)
    hold_release(hold=hold, by=privacy_officer)  # an update event, found only by the hold's id
    consent_give(customer=person, purpose="email-marketing", channel=Channel.PHONE, by=clerk)
    consent_withdraw(customer=person, purpose="email-marketing", channel=Channel.PHONE, by=clerk)
    disclosure = disclosure_record(
        recipient=RecipientFactory(),
        basis=Basis.MANDATE,
        mandate="Käsittelysopimus 2026",
        categories=[Category.BASIC],
        subjects=[person.pk, other.pk],
        by=privacy_officer,
        description="Nimet ja osoitteet",
        copy=ContentFile(
            "\ufeffAsiakasnumero;Etunimi;Sukunimi\n"
            f"{person.customer_number};{person.first_name};{person.last_name}\n"
            f"{other.customer_number};{other.first_name};{other.last_name}\n".encode(),
            name="luovutus.csv",
        ),
    )
    AccessLogEntry.record(
        actor=clerk,
        action=AccessAction.VIEW,
        purpose=AccessPurpose.CUSTOMER_SERVICE,
        subject=person,
    )
    recording.start_playback(by=supervisor, purpose=AccessPurpose.TRAINING)
    AccessLogEntry.record(
        actor=clerk,
        action=AccessAction.VIEW,
        purpose=AccessPurpose.CUSTOMER_SERVICE,
        subject=other,
    )
    return {
        "person": person,
        "other": other,
        "role": role,
        "service": service,
        "feedback": feedback,
        "recording": recording,
        "hold": hold,
        "disclosure": disclosure,
    }


def test_erasure_removes_the_person_from_every_table_and_leaves_a_proof(
    person_with_everything, privacy_officer, media_root, django_capture_on_commit_callbacks
):
    p = person_with_everything
    person, recording = p["person"], p["recording"]
    rows = {
        Customer: [person.pk],
        ContactRole: [p["role"].pk],
        ServiceUse: [p["service"].pk],
        Feedback: [p["feedback"].pk],
        CallRecording: [recording.pk],
        RecordingHold: [p["hold"].pk],
    }
    assert history_naming(rows, person.pk) > 0
    assert AccessLogEntry.objects.about(person).count() == 2  # the page view and the playback
    audio = media_root / recording.audio.name
    copy = media_root / p["disclosure"].copy.name
    assert audio.exists() and copy.exists()

    with django_capture_on_commit_callbacks(execute=True):
        record = erase_person(
            person, reason=ErasureReason.REQUEST, actor=privacy_officer, reference="TP-2026-0001"
        )
        # Nothing leaves storage before the erasure has committed.
        assert audio.exists() and copy.exists()

    assert not Customer.objects.filter(pk=person.pk).exists()
    for model, ids in rows.items():
        assert not model.objects.filter(pk__in=ids).exists(), model
    assert not ConsentEvent.objects.filter(customer_id=person.pk).exists()
    assert not ConsentState.objects.filter(customer_id=person.pk).exists()
    assert not DisclosureSubject.objects.filter(customer_id=person.pk).exists()
    # Contract 3: no copy in any history table, no access-log entry about the person or rows.
    assert history_naming(rows, person.pk) == 0
    assert AccessLogEntry.objects.about(person).count() == 0
    assert not AccessLogEntry.objects.about_objects(CallRecording, [recording.pk]).exists()
    assert not KnownName.objects.filter(name__in=["Ainutlaatuinen", "Erasurenen"]).exists()
    # The disclosure shared with another person stays: its free text blanked, its copy written
    # again without the person's line, for the other person's sake.
    disclosure = Disclosure.objects.get(pk=p["disclosure"].pk)
    assert (disclosure.description, disclosure.mandate) == ("", "")
    assert disclosure.subject_count == 1
    assert disclosure.copy.name and disclosure.copy.name != p["disclosure"].copy.name
    remaining = (media_root / disclosure.copy.name).read_text(encoding="utf-8-sig")
    assert remaining.splitlines() == [
        "Asiakasnumero;Etunimi;Sukunimi",
        f"{p['other'].customer_number};{p['other'].first_name};{p['other'].last_name}",
    ]
    assert (
        disclosure.copy_sha256
        == hashlib.sha256(remaining_bytes(media_root, disclosure)).hexdigest()
    )
    assert DisclosureSubject.objects.filter(customer=p["other"]).exists()
    # The other person is untouched.
    assert Customer.objects.filter(pk=p["other"].pk).exists()
    assert AccessLogEntry.objects.about(p["other"]).count() == 1
    # Files go after commit.
    assert not audio.exists() and not copy.exists()
    assert not PendingFileDeletion.objects.exists()
    # The proof: counts, reason and actor; nothing that names the person.
    assert ErasureRecord.objects.get() == record
    assert record.erased_by == privacy_officer and record.reason == ErasureReason.REQUEST
    assert record.deleted("customers.Customer") == 1
    assert record.deleted("customers.ContactRole") == 1
    assert record.deleted("calls.CallRecording") == 1
    assert record.deleted("consents.ConsentEvent") == 2
    assert record.counts["anonymised"] == {"consents.disclosure": 1}
    assert record.counts["files"] == 2
    stored = repr(
        list(
            ErasureRecord.objects.values().values_list(
                *[f.attname for f in ErasureRecord._meta.fields]
            )
        )
    )
    for personal in (person.first_name, person.last_name, person.customer_number, person.email):
        assert personal not in stored


def test_erasing_someone_already_erased_does_nothing(django_capture_on_commit_callbacks):
    person = CustomerFactory()
    with django_capture_on_commit_callbacks(execute=True):
        assert erase_person(person, reason=ErasureReason.REQUEST) is not None
        assert erase_person(person, reason=ErasureReason.REQUEST) is None
    assert ErasureRecord.objects.count() == 1


def test_an_undeclared_protect_rolls_the_whole_erasure_back(
    person_with_everything, monkeypatch, media_root, django_capture_on_commit_callbacks
):
    p = person_with_everything
    person, recording = p["person"], p["recording"]
    # Feedback's declaration forgotten: its PROTECT now stands between erasure and the person.
    monkeypatch.delitem(registry.personal, "feedback.feedback")
    history_before = history_naming({Customer: [person.pk]}, person.pk)
    log_before = AccessLogEntry.objects.count()

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(ErasureBlocked, match=r"feedback\.Feedback #\d+"),
    ):
        erase_person(person, reason=ErasureReason.REQUEST)

    # Nothing went: not the rows erasure had already deleted, not their history, no file.
    assert Customer.objects.filter(pk=person.pk).exists()
    assert ContactRole.objects.filter(pk=p["role"].pk).exists()
    assert CallRecording.objects.filter(pk=recording.pk).exists()
    assert ConsentEvent.objects.filter(customer=person).count() == 2
    assert Disclosure.objects.get(pk=p["disclosure"].pk).copy.name
    assert history_naming({Customer: [person.pk]}, person.pk) == history_before
    assert AccessLogEntry.objects.count() == log_before
    assert (media_root / recording.audio.name).exists()
    assert not ErasureRecord.objects.exists()
    assert not PendingFileDeletion.objects.exists()


def test_kept_rows_are_left_alone_and_a_kept_row_pointing_at_the_person_blocks(
    monkeypatch, django_capture_on_commit_callbacks
):
    from dataclasses import replace

    from privacy.declarations import Keep

    person = CustomerFactory()
    feedback = FeedbackFactory(customer=person)
    declaration = registry.personal["feedback.feedback"]
    monkeypatch.setitem(
        registry.personal,
        "feedback.feedback",
        replace(declaration, erasure=Keep(duty="Kirjanpitolaki", period="6 vuotta")),
    )
    with pytest.raises(ErasureBlocked):
        erase_person(person, reason=ErasureReason.REQUEST)
    assert Feedback.objects.filter(pk=feedback.pk, customer=person).exists()
    assert Customer.objects.filter(pk=person.pk).exists()


def test_a_reference_django_does_not_guard_is_checked_inside_the_erasure(
    monkeypatch, django_capture_on_commit_callbacks
):
    from dataclasses import replace

    from django.db import models

    from privacy.declarations import Keep

    person = CustomerFactory()
    ContactRoleFactory(customer=person)
    feedback = FeedbackFactory(customer=person)
    declaration = registry.personal["feedback.feedback"]
    monkeypatch.setitem(
        registry.personal,
        "feedback.feedback",
        replace(declaration, erasure=Keep(duty="Kirjanpitolaki", period="6 vuotta")),
    )
    # As if the reference were DO_NOTHING: only the database's deferred foreign key guards it.
    monkeypatch.setattr(
        Feedback._meta.get_field("customer").remote_field, "on_delete", models.DO_NOTHING
    )
    with pytest.raises(ErasureBlocked, match="cannot be erased"):
        erase_person(person, reason=ErasureReason.REQUEST)
    assert Feedback.objects.filter(pk=feedback.pk, customer=person).exists()
    assert ContactRole.objects.filter(customer=person).exists()
    assert not ErasureRecord.objects.exists()


def test_people_without_reason_reads_the_declarations():
    contact_only = ContactRoleFactory(
        started_on=date(2019, 1, 1), ended_on=date(2020, 1, 1)
    ).customer
    nobody = CustomerFactory()
    served = ServiceUseFactory().customer
    current = ContactRoleFactory(ended_on=None).customer
    left = set(people_without_reason().values_list("pk", flat=True))
    assert {contact_only.pk, nobody.pk} <= left
    assert not {served.pk, current.pk} & left


def test_every_declaration_says_whether_its_rows_keep_a_person():
    person = registry.personal["customers.customer"]
    assert not person.keeps_person and person.keeps_person_reason
    for declaration in registry.declarations():
        if declaration.keeps_person_scope:
            rows = declaration.model_class._default_manager.all()
            assert callable(getattr(rows, declaration.keeps_person_scope))
        if not declaration.keeps_person:
            assert declaration.keeps_person_reason, declaration.model


def test_history_check_helper_sees_the_history(person_with_everything):
    # The helper above must be able to fail: it finds the person's own events.
    person = person_with_everything["person"]
    (customer_events,) = pghistory.core.event_models(tracks_model=Customer)
    assert customer_events.objects.filter(pgh_obj_id=person.pk).exists()
    assert history_naming({Customer: [person.pk]}, person.pk) >= 1


def test_a_shared_copy_that_is_not_a_table_is_deleted_whole(
    privacy_officer, media_root, django_capture_on_commit_callbacks
):
    person, other = CustomerFactory(), CustomerFactory()
    disclosure = disclosure_record(
        recipient=RecipientFactory(),
        basis=Basis.MANDATE,
        mandate="Käsittelysopimus 2026",
        categories=[Category.BASIC],
        subjects=[person.pk, other.pk],
        by=privacy_officer,
        copy=ContentFile(b"%PDF-1.4 " + person.last_name.encode(), name="luovutus.pdf"),
    )
    stored = media_root / disclosure.copy.name

    with django_capture_on_commit_callbacks(execute=True):
        erase_person(person, reason=ErasureReason.REQUEST)

    disclosure.refresh_from_db()
    assert (disclosure.copy.name, disclosure.mandate) == ("", "")
    assert disclosure.subject_count == 1
    assert not stored.exists()
    assert DisclosureSubject.objects.filter(disclosure=disclosure, customer=other).exists()
