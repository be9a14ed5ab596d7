"""Marketing audiences: built through the selector, exported for a processor, logged as one
disclosure each."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.db import DatabaseError, transaction
from openpyxl import load_workbook

from consents import selectors
from consents.audiences import AudienceFilters, audience
from consents.models import (
    AudienceExport,
    BanKind,
    Channel,
    ContactChannel,
    Disclosure,
    DisclosureSubject,
    ExportStatus,
)
from consents.personal_data import DISCLOSURE_COPIES_ONE_YEAR
from consents.services import (
    RecipientNotAllowed,
    audience_export_request,
    audience_export_run,
    ban_record,
    consent_give,
    consent_withdraw,
    disclosure_record,
)
from customers.models import Company, LifeStatus
from privacy.declarations import Basis, Category
from privacy.restriction import restriction_set
from privacy.retention import enforce
from tests.consents.factories import AuthorityFactory, RecipientFactory
from tests.customers.factories import ContactRoleFactory, CustomerFactory, GroupFactory

pytestmark = pytest.mark.django_db


def give(customer, by, purpose="email-marketing"):
    consent_give(customer=customer, purpose=purpose, channel=Channel.PHONE, by=by)


def export(
    marketer, purpose, *, recipient=None, fmt="csv", channel=ContactChannel.EMAIL, **filters
):
    """Request an export and run its job at once, as the worker would."""
    queued = audience_export_request(
        purpose=purpose,
        channel=channel,
        filters=AudienceFilters(**filters),
        recipient=recipient or RecipientFactory(),
        fmt=fmt,
        by=marketer,
    )
    return audience_export_run(export_id=queued.pk)


def csv_rows(export: AudienceExport) -> list[list[str]]:
    with export.disclosure.copy.open("rb") as handle:
        text = handle.read().decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def test_export_holds_only_people_with_consent_and_no_ban_restriction_death_or_move(
    clerk, privacy_officer, marketer, email_marketing
):
    ok = CustomerFactory(first_name="Aino", last_name="Laine", email="aino@example.fi")
    banned, restricted, dead, abroad, withdrawn = (CustomerFactory() for _ in range(5))
    CustomerFactory()  # never consented
    for person in (ok, banned, restricted, dead, abroad, withdrawn):
        give(person, clerk)
    ban_record(customer=banned, kind=BanKind.DIRECT_MARKETING, channel=Channel.LETTER, by=clerk)
    restriction_set(customer=restricted, reason="Art. 18", by=privacy_officer)
    dead.life_status = LifeStatus.DECEASED
    dead.save()
    abroad.life_status = LifeStatus.MOVED_ABROAD
    abroad.save()
    consent_withdraw(customer=withdrawn, purpose=email_marketing, channel=Channel.EMAIL, by=clerk)

    done = export(marketer, email_marketing)
    assert done.status == ExportStatus.DONE and done.written == 1
    rows = csv_rows(done)
    assert rows[0] == ["Asiakasnumero", "Etunimi", "Sukunimi", "Kieli", "Sähköposti"]
    assert rows[1:] == [[ok.customer_number, "Aino", "Laine", "fi", "aino@example.fi"]]


def test_consent_given_then_withdrawn_leaves_the_next_export(clerk, marketer, email_marketing):
    customer = CustomerFactory()
    give(customer, clerk)
    assert export(marketer, email_marketing).written == 1
    consent_withdraw(customer=customer, purpose=email_marketing, channel=Channel.WEB, by=clerk)
    later = export(marketer, email_marketing)
    assert later.status == ExportStatus.DONE and later.written == 0
    assert csv_rows(later)[1:] == []


def test_a_ban_beats_a_consent_in_the_export(clerk, marketer, email_marketing):
    customer = CustomerFactory()
    give(customer, clerk)
    ban_record(customer=customer, kind=BanKind.OBJECTION, channel=Channel.PHONE, by=clerk)
    assert export(marketer, email_marketing).written == 0


def test_every_export_is_recorded_as_one_disclosure_with_its_copy(clerk, marketer, email_marketing):
    people = [CustomerFactory() for _ in range(3)]
    for person in people:
        give(person, clerk)
    recipient = RecipientFactory(name="Postitus Oy")
    first = export(marketer, email_marketing, recipient=recipient)
    second = export(marketer, email_marketing, recipient=recipient)
    assert Disclosure.objects.count() == 2
    disclosure = first.disclosure
    assert disclosure.recipient == recipient
    assert disclosure.basis == Basis.CONSENT
    assert disclosure.disclosed_by == marketer
    assert disclosure.categories == sorted([Category.BASIC, Category.RELATIONSHIP])
    assert "1.3.2025" in disclosure.mandate
    assert disclosure.subject_count == 3
    assert set(disclosure.subjects.values_list("pk", flat=True)) == {p.pk for p in people}
    with disclosure.copy.open("rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == disclosure.copy_sha256
    assert second.disclosure != first.disclosure
    # Each person's page lists both.
    assert DisclosureSubject.objects.filter(customer=people[0]).count() == 2


def test_the_disclosure_log_refuses_edits(clerk, marketer, email_marketing):
    give(CustomerFactory(), clerk)
    disclosure = export(marketer, email_marketing).disclosure
    with pytest.raises(DatabaseError), transaction.atomic():
        Disclosure.objects.filter(pk=disclosure.pk).update(mandate="muutettu")
    with pytest.raises(DatabaseError), transaction.atomic():
        DisclosureSubject.objects.filter(disclosure=disclosure).delete()


def test_an_xlsx_export_neutralises_formulas(clerk, marketer, email_marketing):
    customer = CustomerFactory(first_name="=HYPERLINK(1)", last_name="Laine")
    give(customer, clerk)
    done = export(marketer, email_marketing, fmt="xlsx")
    assert done.status == ExportStatus.DONE
    with done.disclosure.copy.open("rb") as handle:
        sheet = load_workbook(io.BytesIO(handle.read()), read_only=True).active
        rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[1][1] == "'=HYPERLINK(1)"
    assert done.filename.endswith(".xlsx")


def test_a_csv_export_neutralises_formulas_in_the_database(clerk, marketer, email_marketing):
    customer = CustomerFactory(
        first_name="=cmd|' /C calc'!A0", last_name="@SUM(1)", email="-x@example.fi"
    )
    give(customer, clerk)
    row = csv_rows(export(marketer, email_marketing))[1]
    assert row == [
        customer.customer_number,
        "'=cmd|' /C calc'!A0",
        "'@SUM(1)",
        "fi",
        "'-x@example.fi",
    ]


def test_an_sms_export_carries_the_phone_and_no_email(clerk, marketer, sms_marketing):
    customer = CustomerFactory(phone="+358401234567")
    give(customer, clerk, purpose=sms_marketing)
    done = export(marketer, sms_marketing, channel=ContactChannel.SMS)
    rows = csv_rows(done)
    assert rows[0][-1] == "Puhelin" and rows[1][-1] == "+358401234567"
    assert customer.email not in ";".join(rows[1])


def test_filters_narrow_the_audience(clerk, marketer, email_marketing):
    group = GroupFactory()
    company = Company.objects.create(name="Karjalan Puu Oy", business_id="1769016-7")
    in_group = CustomerFactory(city="Joensuu")
    in_group.groups.add(group)
    in_company = CustomerFactory(city="Lieksa", preferred_language="sv")
    ContactRoleFactory(customer=in_company, company=company)
    for person in (in_group, in_company, CustomerFactory(city="Kitee")):
        give(person, clerk)

    def pks(**filters) -> set[int]:
        found = audience(
            purpose=email_marketing,
            channel=ContactChannel.EMAIL,
            filters=AudienceFilters(**filters),
        )
        return set(found.values_list("pk", flat=True))

    assert pks(group=group.pk) == {in_group.pk}
    assert pks(company=company.pk) == {in_company.pk}
    assert pks(city="lieksa") == {in_company.pk}
    assert pks(language="sv") == {in_company.pk}
    assert len(pks()) == 3


def test_every_outgoing_path_goes_through_the_selector(clerk, marketer, email_marketing):
    """Audience exports (CSV and XLSX), their counts and SMS surveys all ask contactable()."""
    customer = CustomerFactory()
    give(customer, clerk)
    with mock.patch.object(selectors, "contactable", wraps=selectors.contactable) as spy:
        export(marketer, email_marketing)
        assert spy.call_count >= 2  # the size shown when queueing, and the job itself
        spy.reset_mock()
        export(marketer, email_marketing, fmt="xlsx")
        assert spy.called
        spy.reset_mock()
        selectors.may_survey(customer)
        assert spy.called
    # And what the selector refuses, no path lets through.
    with mock.patch.object(
        selectors, "contactable", side_effect=lambda **kw: selectors.Customer.objects.none()
    ):
        assert export(marketer, email_marketing).written == 0
        assert not selectors.may_survey(customer)


def test_a_recipient_outside_the_eu_eea_is_refused_everywhere(clerk, marketer, email_marketing):
    give(CustomerFactory(), clerk)
    american = RecipientFactory(name="Mailer Inc.", country="US")
    with pytest.raises(RecipientNotAllowed):
        export(marketer, email_marketing, recipient=american)
    with pytest.raises(RecipientNotAllowed):
        disclosure_record(
            recipient=american,
            basis=Basis.CONSENT,
            mandate="DPA",
            categories=[Category.BASIC],
            subjects=[],
            by=marketer,
        )
    # Not even straight into the database.
    with pytest.raises(DatabaseError, match="outside the EU/EEA"), transaction.atomic():
        Disclosure.objects.create(
            recipient=american,
            basis=Basis.CONSENT,
            mandate="DPA",
            categories=[Category.BASIC],
            disclosed_by=marketer,
        )
    assert not Disclosure.objects.exists()
    assert not AudienceExport.objects.exists()


def test_an_authority_is_not_an_audience_recipient(clerk, marketer, email_marketing):
    with pytest.raises(RecipientNotAllowed):
        export(marketer, email_marketing, recipient=AuthorityFactory())


def test_a_recipient_dropped_before_the_job_runs_fails_the_export(clerk, marketer, email_marketing):
    give(CustomerFactory(), clerk)
    recipient = RecipientFactory()
    queued = audience_export_request(
        purpose=email_marketing,
        channel=ContactChannel.EMAIL,
        filters=AudienceFilters(),
        recipient=recipient,
        fmt="csv",
        by=marketer,
    )
    recipient.is_active = False
    recipient.save()
    failed = audience_export_run(export_id=queued.pk)
    assert failed.status == ExportStatus.FAILED and failed.disclosure is None
    assert not Disclosure.objects.exists()


def test_a_job_delivered_twice_runs_once(
    clerk, marketer, email_marketing, django_capture_on_commit_callbacks
):
    give(CustomerFactory(), clerk)
    with django_capture_on_commit_callbacks() as callbacks:
        queued = audience_export_request(
            purpose=email_marketing,
            channel=ContactChannel.EMAIL,
            filters=AudienceFilters(),
            recipient=RecipientFactory(),
            fmt="csv",
            by=marketer,
        )
    assert len(callbacks) == 1  # the job is queued only once the request commits
    assert audience_export_run(export_id=queued.pk).status == ExportStatus.DONE
    assert audience_export_run(export_id=queued.pk) is None
    assert Disclosure.objects.count() == 1


def test_a_copy_is_deleted_a_year_after_the_disclosure_and_the_record_stays(
    clerk, marketer, email_marketing
):
    give(CustomerFactory(), clerk)
    disclosure = export(marketer, email_marketing).disclosure
    name = disclosure.copy.name
    assert default_storage.exists(name)
    enforce(DISCLOSURE_COPIES_ONE_YEAR)
    disclosure.refresh_from_db()
    assert disclosure.copy.name == name  # not yet
    with time_machine.travel(disclosure.disclosed_at + timedelta(days=366)):
        run = enforce(DISCLOSURE_COPIES_ONE_YEAR)
    assert run.rows == 1 and run.files == 1
    disclosure.refresh_from_db()
    assert disclosure.copy.name == "" and not default_storage.exists(name)
    assert disclosure.copy_sha256 and disclosure.subjects.count() == 1


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_erasing_one_person_of_an_export_takes_only_their_line_out_of_the_copy(
    clerk, marketer, email_marketing, fmt, django_capture_on_commit_callbacks
):
    from privacy.erasure import erase_person
    from privacy.models import ErasureReason

    people = [CustomerFactory(city="Joensuu") for _ in range(3)]
    for person in people:
        give(person, clerk)
    done = export(marketer, email_marketing, fmt=fmt, city="Joensuu")
    original = done.disclosure.copy.name
    erased, *others = people

    with django_capture_on_commit_callbacks(execute=True):
        erase_person(erased, reason=ErasureReason.REQUEST)

    done.refresh_from_db()
    disclosure = done.disclosure
    assert done.filters == {}, "the typed filters may single people out"
    assert disclosure.subject_count == 2
    assert set(
        DisclosureSubject.objects.filter(disclosure=disclosure).values_list(
            "customer_id", flat=True
        )
    ) == {p.pk for p in others}
    assert disclosure.copy.name != original and not default_storage.exists(original)
    with disclosure.copy.open("rb") as handle:
        content = handle.read()
    assert disclosure.copy_sha256 == hashlib.sha256(content).hexdigest()
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    else:
        sheet = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
        rows = [[str(cell) for cell in row] for row in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == "Asiakasnumero"
    assert sorted(row[0] for row in rows[1:]) == sorted(p.customer_number for p in others)
    assert erased.customer_number not in content.decode("utf-8", errors="ignore")


# --- Notice §13 whatever the configuration ---------------------------------------------------------


@pytest.fixture
def opt_out_marketing(db):
    """A planted configuration: marketing for any channel that asks no consent (fine by
    letter or phone, where a ban is the person's way out, never by e-mail or SMS)."""
    from consents.models import ConsentPurpose, ConsentWording

    purpose = ConsentPurpose.objects.create(
        code="offers-any-channel",
        name="Tarjoukset",
        activity="marketing",
        channel="",
        requires_consent=False,
    )
    ConsentWording.objects.create(purpose=purpose, version=1, text="Saa lähettää tarjouksia.")
    return purpose


@pytest.mark.parametrize("channel", [ContactChannel.EMAIL, ContactChannel.SMS])
def test_a_marketing_purpose_without_consent_exports_nobody_without_consent_electronically(
    marketer, opt_out_marketing, channel
):
    CustomerFactory(email="a@example.fi", phone="+358401234567")
    done = export(marketer, opt_out_marketing, channel=channel)
    assert done.status == ExportStatus.DONE
    assert done.written == 0
    assert done.disclosure.basis == Basis.CONSENT


def test_the_same_purpose_still_reaches_people_by_letter(marketer, opt_out_marketing):
    person = CustomerFactory(street_address="Torikatu 1", postal_code="80100", city="Joensuu")
    done = export(marketer, opt_out_marketing, channel=ContactChannel.LETTER)
    assert done.written == 1
    assert DisclosureSubject.objects.filter(disclosure=done.disclosure, customer=person).exists()


@pytest.mark.parametrize(
    ("channel", "refused"),
    [(ContactChannel.EMAIL, True), (ContactChannel.SMS, True), (ContactChannel.LETTER, False)],
)
def test_the_database_refuses_an_electronic_audience_holding_a_person_without_consent(
    marketer, opt_out_marketing, channel, refused
):
    """Past the selector (a new caller, raw SQL): the export's people are checked again when
    it gets its disclosure."""
    from django.db import IntegrityError

    person = CustomerFactory(email="b@example.fi")
    recipient = RecipientFactory()
    disclosure = disclosure_record(
        recipient=recipient,
        basis=Basis.CONTRACT,
        mandate="Sopimus",
        categories=[Category.BASIC],
        subjects=[person.pk],
        by=marketer,
    )
    queued = AudienceExport.objects.create(
        purpose=opt_out_marketing,
        channel=channel,
        recipient=recipient,
        format="csv",
        created_by=marketer,
    )
    attach = AudienceExport.objects.filter(pk=queued.pk)
    if refused:
        with pytest.raises(IntegrityError), transaction.atomic():
            attach.update(disclosure=disclosure, status=ExportStatus.DONE)
        with pytest.raises(IntegrityError), transaction.atomic():
            AudienceExport.objects.create(
                purpose=opt_out_marketing,
                channel=channel,
                recipient=recipient,
                format="csv",
                created_by=marketer,
                disclosure=disclosure,
                status=ExportStatus.DONE,
            )
    else:
        attach.update(disclosure=disclosure, status=ExportStatus.DONE)
    consent_give(customer=person, purpose=opt_out_marketing, channel=Channel.PHONE, by=marketer)
    attach.update(disclosure=disclosure, status=ExportStatus.DONE)
    assert AudienceExport.objects.get(pk=queued.pk).disclosure == disclosure
