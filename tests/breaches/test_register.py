"""The register in the admin: every breach recorded with its risk and reasoning, "no risk"
included; an append-only timeline; the privacy officer's alone; closing; the reports."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, ProgrammingError, transaction
from django.utils import timezone

from breaches import services
from breaches.models import (
    AffectedPerson,
    AuthorityNotification,
    Breach,
    Decision,
    Phase,
    Risk,
    TimelineEntry,
    TimelineKind,
)
from tests.breaches.factories import BreachFactory
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db
HELSINKI = ZoneInfo("Europe/Helsinki")
ADD_URL = "/admin/breaches/breach/add/"


def _form(**overrides) -> dict[str, str]:
    aware = timezone.localtime() - timedelta(hours=5)
    data = {
        "became_aware_at": aware.strftime("%Y-%m-%dT%H:%M"),
        "discovered_how": "Tietoturvahälytys",
        "reported_by": "IT-tuki",
        "occurred_from": "",
        "occurred_until": "",
        "description": "Kannettava tietokone varastettiin junassa.",
        "cause": "Varkaus",
        "kind": "confidentiality",
        "nature": "loss",
        "data_categories": ["basic"],
        "people_categories": "Asiakkaat",
        "approx_people": "",
        "approx_records": "",
        "consequences": "",
        "measures_taken": "",
        "measures_planned": "",
        "risk": "",
        "risk_reasoning": "",
        "authority_decision": "",
        "authority_decision_reason": "",
        "people_decision": "",
        "people_decision_reason": "",
        "art34_ground": "",
    }
    data.update(overrides)
    return data


def test_no_risk_needs_its_reasoning_and_still_makes_a_record(client_for, privacy_officer):
    client = client_for(privacy_officer)
    refused = client.post(ADD_URL, _form(risk="none"))
    assert refused.status_code == 200
    assert "Kirjoita riskiarvion perustelut." in refused.content.decode()
    assert not Breach.objects.exists()

    response = client.post(
        ADD_URL,
        _form(
            risk="none",
            risk_reasoning="Levy oli salattu, eikä avain ollut laitteessa.",
            authority_decision="not_notify",
            authority_decision_reason="Ei todennäköisesti aiheuta riskiä (33 art. 1 kohta).",
        ),
    )
    assert response.status_code == 302
    breach = Breach.objects.get()
    assert breach.risk == Risk.NONE and breach.state == "assessed"
    assert breach.reference == f"TSL-{timezone.localtime().year}-0001"  # the year's first
    assert breach.created_by == privacy_officer
    assert list(breach.timeline.values_list("kind", flat=True)) == [
        TimelineKind.RECORDED,
        TimelineKind.STATE,
    ]
    # Deciding not to notify the Ombudsman stops the clock.
    assert not breach.clock_is_running()


def test_the_database_refuses_a_risk_without_reasoning(privacy_officer):
    with pytest.raises(IntegrityError), transaction.atomic():
        BreachFactory(risk=Risk.NONE, risk_reasoning="", state="assessed")


def test_a_risk_cannot_go_unreported_and_high_risk_untold_needs_a_ground(
    client_for, privacy_officer
):
    client = client_for(privacy_officer)
    page = client.post(
        ADD_URL,
        _form(
            risk="high",
            risk_reasoning="Terveystietoja",
            authority_decision="not_notify",
            authority_decision_reason="Ei ehditä",
            people_decision="not_notify",
            people_decision_reason="Ei haluta",
        ),
    ).content.decode()
    assert "Riskiä aiheuttavasta loukkauksesta on ilmoitettava" in page
    assert "34 artiklan 3 kohdan perusteista" in page
    assert not Breach.objects.exists()


def test_changes_are_on_the_timeline_which_the_database_keeps(client_for, privacy_officer):
    client = client_for(privacy_officer)
    client.post(ADD_URL, _form())
    breach = Breach.objects.get()
    assert breach.state == "open"
    response = client.post(
        f"/admin/breaches/breach/{breach.pk}/change/",
        _form(
            became_aware_at=timezone.localtime(breach.became_aware_at).strftime("%Y-%m-%dT%H:%M"),
            risk="risk",
            risk_reasoning="Nimiä ja osoitteita.",
            approx_people="120",
        ),
    )
    assert response.status_code == 302
    changed = breach.timeline.get(kind=TimelineKind.CHANGED)
    assert changed.details == {"fields": ["approx_people", "risk", "risk_reasoning"]}
    assert breach.timeline.filter(kind=TimelineKind.STATE).exists()
    entry = breach.timeline.first()
    with pytest.raises(ProgrammingError), transaction.atomic():
        TimelineEntry.objects.filter(pk=entry.pk).update(details={"edited": True})
    with pytest.raises(ProgrammingError), transaction.atomic():
        TimelineEntry.objects.filter(pk=entry.pk).delete()


def test_the_register_is_the_privacy_officers_alone(cast, client_for):
    breach = BreachFactory()
    urls = [
        "/admin/breaches/breach/",
        f"/admin/breaches/breach/{breach.pk}/change/",
        f"/admin/breaches/breach/{breach.pk}/ihmiset/",
        f"/admin/breaches/breach/{breach.pk}/tietosuojavaltuutettu/",
        f"/admin/breaches/breach/{breach.pk}/ilmoitukset/",
        "/admin/breaches/breach/raportti/",
        "/admin/breaches/breach/raportti.csv",
    ]
    for name, user in cast.items():
        client = client_for(user)
        for url in urls:
            status = client.get(url).status_code
            if name == "privacy_officer":
                assert status == 200, url
            else:
                # Not staff: the admin sends them to its login; never the page.
                assert status in (302, 403), (name, url)


def test_pages_have_bounded_queries(client_for, privacy_officer, django_assert_max_num_queries):
    breaches = BreachFactory.create_batch(5, created_by=privacy_officer)
    people = CustomerFactory.create_batch(60)
    AffectedPerson.objects.bulk_create(
        AffectedPerson(breach=breaches[0], customer=p, involved=["view"], found_by=privacy_officer)
        for p in people
    )
    for breach in breaches:
        TimelineEntry.objects.create(breach=breach, kind=TimelineKind.RECORDED)
    client = client_for(privacy_officer)
    with django_assert_max_num_queries(16):
        assert client.get("/admin/breaches/breach/").status_code == 200
    with django_assert_max_num_queries(22):
        assert client.get(f"/admin/breaches/breach/{breaches[0].pk}/change/").status_code == 200
    with django_assert_max_num_queries(16):
        page = client.get(f"/admin/breaches/breach/{breaches[0].pk}/ihmiset/")
    assert page.status_code == 200
    assert page.content.decode().count('<a href="/asiakkaat/') == 50  # paginated
    with django_assert_max_num_queries(18):
        assert (
            client.get(
                f"/admin/breaches/breach/{breaches[0].pk}/tietosuojavaltuutettu/"
            ).status_code
            == 200
        )


def test_closing_needs_the_decisions_carried_out(client_for, privacy_officer):
    breach = BreachFactory(
        created_by=privacy_officer,
        risk=Risk.RISK,
        risk_reasoning="Nimiä.",
        state="assessed",
        authority_decision=Decision.NOTIFY,
        authority_decision_reason="Riski.",
        people_decision=Decision.NOT_NOTIFY,
        people_decision_reason="Riski ei ole korkea.",
    )
    with pytest.raises(services.BreachRefused):
        services.breach_close(breach=breach, by=privacy_officer)
    services.authority_notification_record(
        breach=breach,
        phase=Phase.INITIAL,
        sent_at=timezone.now() - timedelta(minutes=5),
        case_number="TSV/9/2026",
        content="...",
        late_reasons="",
        by=privacy_officer,
    )
    response = client_for(privacy_officer).post(f"/admin/breaches/breach/{breach.pk}/sulje/")
    assert response.status_code == 302
    breach.refresh_from_db()
    assert breach.state == "closed" and breach.closed_at is not None
    # A closed breach is read-only.
    assert (
        client_for(privacy_officer)
        .post(f"/admin/breaches/breach/{breach.pk}/change/", _form())
        .status_code
        == 403
    )


def _at(*args) -> datetime:
    return datetime(*args, tzinfo=HELSINKI)


def test_the_report_counts_per_year_and_kind_and_the_share_within_72_hours(
    client_for, privacy_officer
):
    def notified(aware, hours, kind="confidentiality"):
        breach = BreachFactory(
            became_aware_at=aware,
            kind=kind,
            risk="risk",
            risk_reasoning="x",
            state="authority_notified",
        )
        AuthorityNotification.objects.create(
            breach=breach,
            phase=Phase.INITIAL,
            sent_at=aware + timedelta(hours=hours),
            content="...",
            late=hours > 72,
            late_reasons="syy" if hours > 72 else "",
            recorded_by=privacy_officer,
        )

    notified(_at(2025, 3, 1, 10), 10)
    notified(_at(2025, 6, 1, 10), 80, kind="availability")
    notified(_at(2026, 1, 2, 10), 72)
    BreachFactory(became_aware_at=_at(2026, 2, 1, 10), kind="integrity")
    # Awareness on New Year's Eve in Helsinki counts in that year, though UTC says otherwise.
    BreachFactory(became_aware_at=_at(2027, 1, 1, 0, 30), kind="integrity")
    response = client_for(privacy_officer).get("/admin/breaches/breach/raportti.csv")
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][0] == "Vuosi"
    assert rows[1:] == [
        ["2025", "1", "0", "1", "2", "2", "1", "50,0", "45,0"],
        ["2026", "1", "1", "0", "2", "1", "1", "100,0", "72,0"],
        ["2027", "0", "1", "0", "1", "0", "0", "", ""],
    ]
    page = client_for(privacy_officer).get("/admin/breaches/breach/raportti/").content.decode()
    assert 'id="breach-chart-data"' in page and "chart-4.6.1.umd.min.js" in page


def test_the_csv_never_carries_a_formula(monkeypatch, client_for, privacy_officer):
    from types import SimpleNamespace

    from breaches import reports

    # A label as hostile as a column header could be.
    monkeypatch.setattr(
        reports, "Kind", SimpleNamespace(choices=[("confidentiality", "=HYPERLINK(1)")])
    )
    BreachFactory()
    body = b"".join(
        client_for(privacy_officer).get("/admin/breaches/breach/raportti.csv").streaming_content
    ).decode()
    assert "'=HYPERLINK(1)" in body
    assert ";=HYPERLINK" not in body


def test_breach_references_run_per_year_of_awareness(privacy_officer):
    # One counter serves every register (audit.ReferenceCounter): the requests' numbers do not
    # move the breaches' ones, and a breach is numbered in the year it became known.
    from audit.models import ReferenceCounter

    ReferenceCounter.next_reference("TSP", 2025)

    def record(aware: datetime) -> Breach:
        breach = Breach(
            became_aware_at=aware,
            description="Kadonnut kannettava",
            kind="confidentiality",
            nature="loss",
        )
        return services.breach_save(breach=breach, changed=[], by=privacy_officer)

    first = record(datetime(2025, 12, 31, 22, 30, tzinfo=UTC))  # 1.1.2026 in Helsinki
    second = record(datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
    earlier = record(datetime(2025, 6, 1, 9, 0, tzinfo=UTC))
    assert (first.reference, second.reference) == ("TSL-2026-0001", "TSL-2026-0002")
    assert earlier.reference == "TSL-2025-0001"
