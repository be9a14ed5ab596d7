"""The front page's work queue: each role sees what it works on, and nothing of other roles."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts import work_queue
from accounts.roles import Role
from accounts.work_queue import QueueEntry, QueueRow
from dsar.models import Channel as RequestChannel
from feedback.models import FeedbackStatus
from notice.services import run_check
from privacy.models import RetentionRun, RunStatus
from privacy.queue import skipped_policies
from privacy.retention import policies
from tests.breaches.factories import BreachFactory
from tests.calls.factories import RecordingHoldFactory
from tests.consents.test_pages import make_export
from tests.customers.factories import CustomerFactory
from tests.dsar.factories import DataSubjectRequestFactory
from tests.feedback.factories import FeedbackFactory

pytestmark = pytest.mark.django_db


def queue_of(client) -> str:
    body = client.get("/").content.decode()
    if 'class="work-queue"' not in body:
        return ""
    return body.split('class="work-queue"', 1)[1].split("</main>", 1)[0]


def entry(page: str, slug: str) -> str:
    return page.split(f'id="jono-{slug}"', 1)[1].split("</section>", 1)[0]


def test_customer_service_sees_new_and_low_rated_feedback_and_office_requests(
    clerk, supervisor, client_for
):
    person = CustomerFactory(first_name="Aino", last_name="Ahonen")
    FeedbackFactory(customer=person, text="Odotin puhelimessa puoli tuntia.", rating=1)
    FeedbackFactory(customer=person, text="Kaikki hyvin.", rating=5)
    handled_low = FeedbackFactory(customer=person, text="Laskussa oli virhe.", rating=2)
    handled_low.status = FeedbackStatus.IN_PROGRESS
    handled_low.save()
    DataSubjectRequestFactory(customer=person, channel=RequestChannel.OFFICE, reference="TP-1")
    DataSubjectRequestFactory(customer=person, channel=RequestChannel.LETTER, reference="TP-2")

    for user in (clerk, supervisor):
        page = queue_of(client_for(user))
        new = entry(page, "uusi-palaute")
        assert "Odotin puhelimessa puoli tuntia." in new and "Kaikki hyvin." in new
        assert "Laskussa oli virhe." not in new  # in progress: not new
        low = entry(page, "heikot-arviot")
        assert "Odotin puhelimessa" in low and "Laskussa oli virhe." in low
        assert "Kaikki hyvin." not in low
        office = entry(page, "toimistossa-kirjatut-pyynnot")
        assert "TP-1" in office and "Aino Ahonen" in office
        assert "TP-2" not in office
        assert "pyyntojen-maaraajat" not in page and "omat-viennit" not in page


def test_the_supervisor_also_sees_recordings_on_hold_and_customer_service_does_not(
    clerk, supervisor, privacy_officer, client_for
):
    hold = RecordingHoldFactory(request_reference="TP-2026-0042", placed_by=privacy_officer)
    supervisor_page = queue_of(client_for(supervisor))
    assert "TP-2026-0042" in entry(supervisor_page, "pidossa-olevat-tallenteet")
    assert f"/puhelut/{hold.recording_id}/" in supervisor_page
    assert "pidossa-olevat-tallenteet" not in queue_of(client_for(clerk))


def test_the_privacy_officer_sees_deadlines_clocks_retention_problems_and_the_notice_check(
    privacy_officer, clerk, client_for
):
    today = timezone.localdate()
    DataSubjectRequestFactory(reference="TP-LATE", due_on=today - timedelta(days=3))
    DataSubjectRequestFactory(reference="TP-SOON", due_on=today + timedelta(days=2))
    DataSubjectRequestFactory(reference="TP-LATER", due_on=today + timedelta(days=25))
    BreachFactory(reference="TSL-2026-0099")
    RetentionRun.objects.create(policy="call-recordings", status=RunStatus.FAILED, errors=3)
    run_check()

    page = queue_of(client_for(privacy_officer))
    deadlines = entry(page, "pyyntojen-maaraajat")
    assert "TP-LATE" in deadlines and "myöhässä 3 pv" in deadlines
    assert "TP-SOON" in deadlines and "TP-LATER" not in deadlines
    assert deadlines.index("TP-LATE") < deadlines.index("TP-SOON")
    assert "TSL-2026-0099" in entry(page, "tietoturvaloukkausten-kellot")
    retention = entry(page, "poistoajojen-ongelmat")
    assert "call-recordings" in retention and "virheitä 3" in retention
    assert "Tietosuojaselosteen tarkistus" in page
    assert "uusi-palaute" not in page

    clerk_page = queue_of(client_for(clerk))
    for slug in ("pyyntojen-maaraajat", "tietoturvaloukkausten-kellot", "poistoajojen-ongelmat"):
        assert slug not in clerk_page


def test_a_policy_without_a_recent_run_is_listed_as_skipped(db):
    name = sorted(policies.names())[0]
    now = timezone.now()
    assert name in dict(skipped_policies(now))  # never run
    RetentionRun.objects.create(policy=name, started_at=now - timedelta(minutes=30))
    assert name not in dict(skipped_policies(now))
    assert name in dict(skipped_policies(now + timedelta(hours=3)))


def test_marketing_sees_its_own_exports_only(marketer, client_for):
    from tests.conftest import make_user

    other = make_user("other-marketer", Role.MARKETING)
    mine = make_export(marketer)
    theirs = make_export(other)
    page = queue_of(client_for(marketer))
    exports = entry(page, "omat-viennit")
    assert f"/markkinointi/viennit/{mine.pk}/" in exports
    assert f"/markkinointi/viennit/{theirs.pk}/" not in exports
    assert "uusi-palaute" not in page


def test_someone_without_a_role_has_no_queue(outsider, client_for):
    body = client_for(outsider).get("/").content.decode()
    assert 'class="work-queue"' not in body
    assert "Sinulla ei ole vielä roolia" in body


def test_a_queue_shows_its_first_rows_and_the_total(clerk, client_for):
    FeedbackFactory.create_batch(work_queue.ROWS_ON_FRONT_PAGE + 3)
    new = entry(queue_of(client_for(clerk)), "uusi-palaute")
    assert new.count("<li") == work_queue.ROWS_ON_FRONT_PAGE
    assert f"Näytä kaikki ({work_queue.ROWS_ON_FRONT_PAGE + 3})" in new
    assert "/palaute/?status=new" in new


def test_the_contact_roles_waiting_for_review_hook_reaches_customer_service(
    clerk, supervisor, privacy_officer, client_for
):
    """Whoever owns the review registers its list under the reserved slug."""
    registered = dict(work_queue._ENTRIES)
    work_queue.register(
        QueueEntry(
            slug=work_queue.CONTACT_ROLES_TO_REVIEW,
            title="Tarkistettavat yhteyshenkilöt",
            roles=work_queue.CUSTOMER_SERVICE_ROLES,
            empty_text="Ei tarkistettavia.",
            load=lambda user: ([QueueRow(label="Karjalan Puu Oy", url="/yritykset/1/")], 1),
        ),
        order=150,
    )
    try:
        for user in (clerk, supervisor):
            page = queue_of(client_for(user))
            assert "Karjalan Puu Oy" in entry(page, work_queue.CONTACT_ROLES_TO_REVIEW)
            # In its slot: after the feedback, before the office requests.
            assert (
                page.index("jono-heikot-arviot")
                < page.index(f"jono-{work_queue.CONTACT_ROLES_TO_REVIEW}")
                < page.index("jono-toimistossa-kirjatut-pyynnot")
            )
        assert work_queue.CONTACT_ROLES_TO_REVIEW not in queue_of(client_for(privacy_officer))
    finally:
        work_queue._ENTRIES.clear()
        work_queue._ENTRIES.update(registered)


@pytest.mark.parametrize(
    ("role", "most"),
    [("clerk", 14), ("supervisor", 15), ("privacy_officer", 16), ("marketer", 12)],
)
def test_the_front_page_costs_the_same_queries_however_much_work_waits(
    cast, client_for, django_assert_max_num_queries, role, most
):
    client = client_for(cast[role])
    client.get("/")  # the session's first request warms what every request does once

    def add_work(n: int) -> None:
        today = timezone.localdate()
        for _ in range(n):
            person = CustomerFactory()
            FeedbackFactory(customer=person, rating=1)
            DataSubjectRequestFactory(customer=person, channel=RequestChannel.OFFICE, due_on=today)
            RecordingHoldFactory(recording__customer=person, placed_by=cast["privacy_officer"])
            BreachFactory()
            RetentionRun.objects.create(policy="call-recordings", status=RunStatus.FAILED)
        if role == "marketer":
            for _ in range(n):
                make_export(cast["marketer"], run=False)

    add_work(1)
    with django_assert_max_num_queries(most):
        assert client.get("/").status_code == 200
    add_work(12)
    with django_assert_max_num_queries(most):
        assert client.get("/").status_code == 200
