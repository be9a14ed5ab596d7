"""Issue #16 item 1: nobody stays in the register for nothing. The inactivity policy erases
exactly the people with no relationship and no contact for 3 years (previewed a week ahead); an
open collection blocks any erasure (GDPR Art. 17(3)(e)) and the request's preview says why;
settled payments stay as accounting vouchers (Kirjanpitolaki 2:10 §) until their period ends."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone

from consents.models import Channel
from consents.services import consent_give, consent_withdraw
from customers.accounting import financial_year_end, voucher_kept_until
from customers.models import (
    CollectionStatus,
    ContactRole,
    Customer,
    PaymentStatus,
    ServiceStatus,
    ServiceUse,
)
from customers.personal_data import ACCOUNTING_VOUCHERS, INACTIVE_PEOPLE
from dsar import erasure as dsar_erasure
from dsar import services as dsar_services
from dsar.models import IdentityMethod, WorkflowError
from privacy import retention
from privacy.erasure import ErasureBlocked, erase_person
from privacy.models import ErasureReason, ErasureRecord
from tests.customers.factories import (
    ContactRoleFactory,
    CoverageFactory,
    CustomerFactory,
    ServiceUseFactory,
)
from tests.dsar.factories import make_request

pytestmark = pytest.mark.django_db


# --- The Accounting Act's period, counted as the law counts it --------------------------------


# KPL 2:10 §: six years from the end of the year during which the financial year ended.
@pytest.mark.parametrize(
    ("day", "year_end", "fy_end", "kept_until"),
    [
        # Calendar-year financial year: the year's end, then six years.
        (date(2026, 1, 1), "12-31", date(2026, 12, 31), date(2032, 12, 31)),
        (date(2026, 12, 31), "12-31", date(2026, 12, 31), date(2032, 12, 31)),
        # A financial year ending 30 June: a sale in March 2026 is in the year ending 30.6.2026,
        # which ended during 2026; a sale in July 2026 in the one ending 30.6.2027.
        (date(2026, 3, 15), "06-30", date(2026, 6, 30), date(2032, 12, 31)),
        (date(2026, 6, 30), "06-30", date(2026, 6, 30), date(2032, 12, 31)),
        (date(2026, 7, 1), "06-30", date(2027, 6, 30), date(2033, 12, 31)),
        # A financial year ending on the last day of February: 28.2. in a common year.
        (date(2027, 2, 28), "02-29", date(2027, 2, 28), date(2033, 12, 31)),
        (date(2027, 3, 1), "02-29", date(2028, 2, 29), date(2034, 12, 31)),
    ],
)
def test_vouchers_are_kept_six_years_from_the_end_of_the_year_the_financial_year_ended(
    day, year_end, fy_end, kept_until
):
    assert financial_year_end(day, year_end=year_end) == fy_end
    assert voucher_kept_until(day, year_end=year_end, years=6) == kept_until


# --- Who the inactivity policy erases ---------------------------------------------------------


def years_ago(years: int, days: int = 0) -> datetime:
    return timezone.now() - relativedelta(years=years) - timedelta(days=days)


def old_person(**kwargs) -> Customer:
    """A person added four years ago."""
    return CustomerFactory(created_at=years_ago(4), **kwargs)


def test_the_inactivity_policy_erases_exactly_the_inactive_and_previews_them(clerk):
    today = timezone.localdate()
    inactive = old_person(first_name="Passiivinen")
    # Kept: each has a relationship or a contact within 3 years.
    added_recently = CustomerFactory(created_at=years_ago(2))
    recent_service = old_person()
    ServiceUseFactory(customer=recent_service, date=today - relativedelta(years=2))
    in_collection = old_person()
    ServiceUseFactory(
        customer=in_collection,
        date=today - relativedelta(years=5),
        collection_status=CollectionStatus.IN_COLLECTION,
    )
    open_role = old_person()
    ContactRoleFactory(customer=open_role, started_on=date(2019, 1, 1), ended_on=None)
    covered = old_person()
    CoverageFactory(customer=covered, starts_on=date(2019, 1, 1))
    consenting = old_person()
    consent_give(customer=consenting, purpose="email-marketing", channel=Channel.PHONE, by=clerk)
    withdrew_lately = old_person()
    consent_give(
        customer=withdrew_lately, purpose="email-marketing", channel=Channel.PHONE, by=clerk
    )
    consent_withdraw(
        customer=withdrew_lately, purpose="email-marketing", channel=Channel.PHONE, by=clerk
    )
    # Erased: an old paid service is no relationship (and stays as a voucher, below).
    paid_long_ago = old_person()
    voucher = ServiceUseFactory(
        customer=paid_long_ago,
        date=today - relativedelta(years=4),
        payment_status=PaymentStatus.PAID,
    )
    # Due in three days: added 3 years ago less two days (a day is kept through the day the
    # period ends and goes the day after).
    soon = CustomerFactory(created_at=years_ago(3) + timedelta(days=2))
    kept = [
        added_recently,
        recent_service,
        in_collection,
        open_role,
        covered,
        consenting,
        withdrew_lately,
        soon,
    ]

    preview = retention.preview(INACTIVE_PEOPLE)
    assert preview.overdue == preview.people_now == 2
    assert [day.rows for day in preview.days] == [0, 0, 0, 1, 0, 0, 0, 0]
    assert retention.dry_run(INACTIVE_PEOPLE).people == 2

    run = retention.enforce(INACTIVE_PEOPLE)

    assert (run.status, run.people, run.rows, run.errors) == ("succeeded", 2, 2, 0)
    assert not Customer.objects.filter(pk__in=[inactive.pk, paid_long_ago.pk]).exists()
    assert Customer.objects.filter(pk__in=[p.pk for p in kept]).count() == len(kept)
    records = ErasureRecord.objects.filter(reason=ErasureReason.RETENTION)
    assert records.count() == 2
    voucher = ServiceUse.objects.get(pk=voucher.pk)
    assert voucher.customer_id is None
    assert voucher.payer_number == paid_long_ago.customer_number
    assert voucher.accounting_year_end == date(today.year - 4, 12, 31)
    # A second run finds nobody.
    assert retention.enforce(INACTIVE_PEOPLE).people == 0


def test_a_prospects_contact_whose_role_was_ended_unanswered_goes_in_time():
    """The review ends a forgotten role; its retention and then inactivity take the rest."""
    role = ContactRoleFactory(
        customer=old_person(), started_on=date(2019, 1, 1), ended_on=date(2019, 6, 1)
    )
    assert retention.dry_run(INACTIVE_PEOPLE).people == 1
    retention.enforce(INACTIVE_PEOPLE)
    assert not ContactRole.objects.filter(pk=role.pk).exists()


# --- Open collections and accounting vouchers --------------------------------------------------


def test_an_open_collection_blocks_erasure_and_the_request_preview_says_why(privacy_officer):
    person = CustomerFactory()
    ServiceUseFactory(customer=person, collection_status=CollectionStatus.REMINDED)
    dsar = make_request(by=privacy_officer, customer=person, types=["erasure"])
    dsar_services.verify_identity(
        dsar=dsar, method=IdentityMethod.ID_DOCUMENT, note="", by=privacy_officer
    )

    plan = dsar_erasure.preview(dsar=dsar, by=privacy_officer)

    (blocker,) = plan.blockers()
    assert "17 artiklan 3 kohdan e alakohta" in blocker["what"]
    with pytest.raises(WorkflowError, match="17 artiklan 3 kohdan e alakohta"):
        dsar_erasure.execute(dsar=dsar, plan=plan, by=privacy_officer)
    assert Customer.objects.filter(pk=person.pk).exists()
    assert ServiceUse.objects.filter(customer=person).count() == 1
    with pytest.raises(ErasureBlocked):
        erase_person(person, reason=ErasureReason.REQUEST, actor=privacy_officer)


def test_the_preview_says_which_payments_are_kept_and_until_when(
    privacy_officer, django_capture_on_commit_callbacks
):
    person = CustomerFactory(first_name="Maksaja")
    paid = ServiceUseFactory(
        customer=person, date=date(2026, 3, 2), payment_status=PaymentStatus.PAID
    )
    requested = ServiceUseFactory(customer=person, status=ServiceStatus.REQUESTED)
    dsar = make_request(by=privacy_officer, customer=person, types=["erasure"])
    dsar_services.verify_identity(
        dsar=dsar, method=IdentityMethod.ID_DOCUMENT, note="", by=privacy_officer
    )

    plan = dsar_erasure.preview(dsar=dsar, by=privacy_officer)

    services = [item for item in plan.plan if item["model"] == "customers.serviceuse"]
    by_action = {item["action"]: item for item in services}
    assert by_action["keep"]["rows"] == 1
    assert "kirjanpitolaki" in by_action["keep"]["what"]
    assert "31.12.2032" in by_action["keep"]["what"]
    assert by_action["delete"]["rows"] == 1
    assert not plan.blockers()

    with django_capture_on_commit_callbacks(execute=True):
        dsar_erasure.execute(dsar=dsar, plan=plan, by=privacy_officer)

    assert not Customer.objects.filter(pk=person.pk).exists()
    assert not ServiceUse.objects.filter(pk=requested.pk).exists()
    kept = ServiceUse.objects.get(pk=paid.pk)
    assert (kept.customer_id, kept.payer_name, kept.price) == (
        None,
        person.full_name,
        Decimal("92.00"),
    )


def test_kept_vouchers_go_the_day_after_their_six_years(db):
    expired = ServiceUseFactory(customer=None, accounting_year_end=date(2019, 12, 31))
    last_day = ServiceUseFactory(customer=None, accounting_year_end=date(2020, 12, 31))
    on_day = timezone.make_aware(datetime(2027, 1, 1, 0, 30))
    just_before = timezone.make_aware(datetime(2026, 12, 31, 23, 30))

    assert list(ACCOUNTING_VOUCHERS.candidates(just_before)) == [expired]
    assert set(ACCOUNTING_VOUCHERS.candidates(on_day)) == {expired, last_day}
    # A customer's own service rows are not vouchers yet: the policy leaves them alone.
    current = ServiceUseFactory(date=date(2010, 1, 1))
    retention.enforce(ACCOUNTING_VOUCHERS, now=just_before)
    assert set(ServiceUse.objects.values_list("pk", flat=True)) == {last_day.pk, current.pk}
