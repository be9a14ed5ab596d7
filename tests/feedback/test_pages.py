"""Staff pages: the feedback list with filters, one item and its handling, recording feedback
taken on the phone, the feedback on the customer page, and the satisfaction report."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from audit.models import AccessAction, AccessLogEntry, AccessPurpose
from feedback.models import Feedback, FeedbackChannel, FeedbackStatus, Topic
from feedback.services import feedback_respond
from privacy.restriction import restriction_set
from tests.calls.factories import CallRecordingFactory
from tests.customers.factories import CustomerFactory
from tests.feedback.factories import FeedbackFactory, SurveyInvitationFactory

pytestmark = pytest.mark.django_db

ALL_ROLES = ["clerk", "supervisor", "privacy_officer", "marketer", "outsider"]


def status_for(client, url, method="get", data=None):
    response = getattr(client, method)(url, data or {})
    return response.status_code


@pytest.mark.parametrize(
    ("role", "list_", "create", "report"),
    [
        ("clerk", 200, 200, 200),
        ("supervisor", 200, 200, 200),
        ("privacy_officer", 200, 403, 200),
        ("marketer", 403, 403, 200),
        ("outsider", 403, 403, 403),
    ],
)
def test_each_role_reaches_what_its_work_needs(cast, client_for, role, list_, create, report):
    feedback = FeedbackFactory()
    client = client_for(cast[role])
    assert status_for(client, "/palaute/") == list_
    assert status_for(client, f"/palaute/{feedback.pk}/") == list_
    assert status_for(client, "/palaute/uusi/") == create
    assert status_for(client, "/palaute/tyytyvaisyys/") == report
    assert status_for(client, "/palaute/tyytyvaisyys/kanavittain.csv") == report


@pytest.mark.parametrize("role", ALL_ROLES)
def test_only_customer_service_and_supervisors_handle_feedback(cast, client_for, role):
    feedback = FeedbackFactory()
    client = client_for(cast[role])
    response = client.post(f"/palaute/{feedback.pk}/", {"response": "Hoidettu.", "handled": "1"})
    feedback.refresh_from_db()
    if role in ("clerk", "supervisor"):
        assert response.status_code == 302
        assert feedback.status == FeedbackStatus.HANDLED
        assert feedback.handled_by == cast[role]
    else:
        assert response.status_code == 403
        assert feedback.status == FeedbackStatus.NEW


def test_the_navigation_shows_feedback_by_permission(cast, client_for):
    assert "Asiakaspalaute" in client_for(cast["clerk"]).get("/").content.decode()
    marketing_home = client_for(cast["marketer"]).get("/").content.decode()
    assert "Asiakaspalaute" not in marketing_home
    assert "Tyytyväisyys" in marketing_home


def test_the_list_filters_and_counts(clerk, client_for, django_assert_max_num_queries):
    FeedbackFactory(topic=Topic.BILLING, rating=1, text="Laskussa virhe")
    FeedbackFactory(topic=Topic.BILLING, rating=5, text="Lasku selkeä", status="in_progress")
    FeedbackFactory(topic=Topic.PREMISES, rating=2, text="Pysäköinti ahdas", customer=None)
    client = client_for(clerk)

    body = client.get("/palaute/?topic=billing&rating=low").content.decode()
    assert "Laskussa virhe" in body and "Lasku selkeä" not in body and "Pysäköinti" not in body
    assert "1 palaute" in body

    body = client.get("/palaute/?status=in_progress").content.decode()
    assert "Lasku selkeä" in body and "Laskussa virhe" not in body

    body = client.get("/palaute/?rating=nonsense&received_from=eilen").content.decode()
    assert "3 palautetta" in body  # an invalid filter is ignored, not an error

    with django_assert_max_num_queries(12) as few:
        client.get("/palaute/")
    for n in range(30):
        FeedbackFactory(text=f"Palaute {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/palaute/").status_code == 200


def test_handling_a_feedback_item(clerk, client_for):
    feedback = FeedbackFactory(text="Jonotin pitkään.", rating=2)
    client = client_for(clerk)

    page = client.get(f"/palaute/{feedback.pk}/").content.decode()
    assert "Jonotin pitkään." in page and "Merkitse käsitellyksi" in page

    # Without a response it cannot be marked handled.
    response = client.post(f"/palaute/{feedback.pk}/", {"response": " ", "handled": "1"})
    assert response.status_code == 200
    assert "Kirjoita vastaus" in response.content.decode()

    response = client.post(
        f"/palaute/{feedback.pk}/", {"response": "Soitettu takaisin.", "save": "1"}
    )
    feedback.refresh_from_db()
    assert (
        feedback.status == FeedbackStatus.IN_PROGRESS and feedback.response == "Soitettu takaisin."
    )

    response = client.post(
        f"/palaute/{feedback.pk}/",
        {"response": "Soitettu takaisin ja pahoiteltu.", "handled": "1"},
        follow=True,
    )
    assert "Palaute merkitty käsitellyksi." in response.content.decode()
    feedback.refresh_from_db()
    assert feedback.status == FeedbackStatus.HANDLED
    assert feedback.handled_by == clerk and feedback.handled_at is not None

    # A handled item is not changed again.
    client.post(f"/palaute/{feedback.pk}/", {"response": "Muutettu", "handled": "1"})
    feedback.refresh_from_db()
    assert feedback.response == "Soitettu takaisin ja pahoiteltu."
    assert "Merkitse käsitellyksi" not in client.get(f"/palaute/{feedback.pk}/").content.decode()


def test_viewing_an_item_is_logged_about_the_person(clerk, client_for):
    feedback = FeedbackFactory()
    client_for(clerk).get(f"/palaute/{feedback.pk}/")
    entry = AccessLogEntry.objects.get()
    assert entry.user == clerk and entry.subject_id == feedback.customer_id
    assert entry.object_id == feedback.pk


def test_the_list_filtered_to_a_person_is_logged_about_them(clerk, client_for):
    customer = CustomerFactory(first_name="Aino", last_name="Kettunen")
    FeedbackFactory(customer=customer, text="Ainon palaute")
    FeedbackFactory(text="Jonkun muun palaute")
    client = client_for(clerk)

    body = client.get(f"/palaute/?customer={customer.pk}").content.decode()
    assert "Ainon palaute" in body and "Jonkun muun" not in body
    entry = AccessLogEntry.objects.get()
    assert entry.user == clerk and entry.subject_id == customer.pk
    assert entry.action == AccessAction.VIEW and entry.purpose == AccessPurpose.CUSTOMER_SERVICE
    assert entry.object_id is None

    # Every page of it is a view of the person; the unfiltered list is about no one.
    client.get(f"/palaute/?customer={customer.pk}&page=2")
    client.get("/palaute/")
    assert AccessLogEntry.objects.about(customer).count() == 2
    assert AccessLogEntry.objects.count() == 2


@pytest.mark.parametrize("value", ["0", "-1", "abc", "99999999", "9" * 30])
def test_a_filter_naming_no_person_logs_nothing(clerk, client_for, value):
    FeedbackFactory(text="Jonkun palaute")
    response = client_for(clerk).get("/palaute/", {"customer": value})
    assert response.status_code == 200
    assert not AccessLogEntry.objects.exists()


def test_a_restricted_persons_feedback_is_only_kept(clerk, privacy_officer, client_for):
    feedback = FeedbackFactory()
    restriction_set(customer=feedback.customer, reason="Art. 18", by=privacy_officer)
    client = client_for(clerk)
    page = client.get(f"/palaute/{feedback.pk}/").content.decode()
    assert "Merkitse käsitellyksi" not in page
    client.post(f"/palaute/{feedback.pk}/", {"response": "x", "handled": "1"})
    feedback.refresh_from_db()
    assert feedback.status == FeedbackStatus.NEW


def test_a_survey_answer_shows_its_call(supervisor, client_for):
    call = CallRecordingFactory()
    feedback = FeedbackFactory(channel=FeedbackChannel.SMS_SURVEY, call=call, text="", rating=5)
    SurveyInvitationFactory(
        customer=feedback.customer,
        call=call,
        feedback=feedback,
        status="answered",
        answered_at=timezone.now(),
    )
    page = client_for(supervisor).get(f"/palaute/{feedback.pk}/").content.decode()
    assert "Tekstiviestikysely" in page
    assert f"/puhelut/{call.pk}/" in page


def test_recording_feedback_taken_on_the_phone(clerk, client_for):
    customer = CustomerFactory()
    client = client_for(clerk)
    form = client.get(f"/palaute/uusi/?asiakas={customer.pk}").content.decode()
    assert customer.customer_number in form

    response = client.post(
        "/palaute/uusi/",
        {
            "customer_number": customer.customer_number,
            "channel": "phone",
            "topic": "appointments",
            "text": "Toivoo iltavastaanottoja.",
            "rating": "",
        },
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"/asiakkaat/{customer.pk}/#palaute")
    feedback = Feedback.objects.get()
    assert (feedback.customer, feedback.channel, feedback.rating) == (customer, "phone", None)
    assert feedback.events.get().pgh_context.metadata["user"] == clerk.pk


def test_anonymous_phone_feedback_and_form_errors(clerk, client_for):
    client = client_for(clerk)
    response = client.post("/palaute/uusi/", {"channel": "phone", "topic": "", "text": ""})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Valitse aihe." in body and "Kirjoita palaute tai anna arvio." in body

    response = client.post(
        "/palaute/uusi/", {"channel": "office", "topic": "premises", "rating": "3", "text": ""}
    )
    assert response.status_code == 302
    assert Feedback.objects.get().customer is None


def test_the_customer_page_shows_the_persons_feedback(
    clerk, client_for, django_assert_max_num_queries
):
    customer = CustomerFactory()
    FeedbackFactory(text="Jonkun muun palaute")
    client = client_for(clerk)
    # Recorded by a user, so the page's history already looks up who made the changes.
    client.post(
        "/palaute/uusi/",
        {
            "customer_number": customer.customer_number,
            "channel": "phone",
            "topic": "other",
            "text": "Hyvä palvelu Joensuussa",
        },
    )
    client.get(f"/asiakkaat/{customer.pk}/")
    with django_assert_max_num_queries(40) as few:
        body = client.get(f"/asiakkaat/{customer.pk}/").content.decode()
    section = body.split('id="palaute"', 1)[1].split("</section>", 1)[0]
    assert "Hyvä palvelu Joensuussa" in section and "Jonkun muun" not in section
    assert f"/palaute/uusi/?asiakas={customer.pk}" in section
    for n in range(12):
        FeedbackFactory(customer=customer, text=f"Palaute {n}", handled_by=None)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(f"/asiakkaat/{customer.pk}/").status_code == 200


def test_the_report_shows_average_and_volume_by_channel_topic_and_month(marketer, client_for):
    now = timezone.now()
    FeedbackFactory(channel=FeedbackChannel.WEB_FORM, topic=Topic.BILLING, rating=2)
    FeedbackFactory(channel=FeedbackChannel.WEB_FORM, topic=Topic.BILLING, rating=5)
    FeedbackFactory(
        channel=FeedbackChannel.SMS_SURVEY, rating=4, received_at=now - timedelta(days=40)
    )
    FeedbackFactory(channel=FeedbackChannel.PHONE, rating=None, text="Ei arviota")
    client = client_for(marketer)

    body = client.get("/palaute/tyytyvaisyys/").content.decode()
    assert "Tyytyväisyys kanavittain" in body and "<script>" not in body.split("</head>")[1]
    assert 'data-chart="chart-kanavittain-data"' in body

    csv_body = client.get("/palaute/tyytyvaisyys/kanavittain.csv").getvalue().decode("utf-8-sig")
    lines = csv_body.strip().splitlines()
    assert lines[0] == "Kanava;Palautteita;Arvioita;Keskiarvo"
    assert "Verkkolomake;2;2;3,50" in lines
    assert "Puhelin;1;0;" in lines

    response = client.get("/palaute/tyytyvaisyys/aiheittain.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.values)
    assert rows[0] == ("Aihe", "Palautteita", "Arvioita", "Keskiarvo")
    assert ("Laskutus ja maksut", 2, 2, 3.5) in rows
    assert client.get("/palaute/tyytyvaisyys/kuukausittain.csv").status_code == 200
    assert client.get("/palaute/tyytyvaisyys/muu.csv").status_code == 404


def test_the_list_opens_on_unhandled_feedback_and_all_shows_the_rest(clerk, client_for):
    FeedbackFactory(text="Uusi palaute jonotuksesta.")
    FeedbackFactory(text="Käsittelyssä oleva laskuasia.", status=FeedbackStatus.IN_PROGRESS)
    handled = FeedbackFactory(text="Jo käsitelty palaute.")
    feedback_respond(feedback=handled, response="Soitettiin takaisin.", handled=True, by=clerk)
    client = client_for(clerk)
    body = client.get("/palaute/").content.decode()
    assert "Uusi palaute jonotuksesta." in body and "Käsittelyssä oleva laskuasia." in body
    assert "Jo käsitelty palaute." not in body
    assert '<option value="open" selected>' in body
    everything = client.get("/palaute/?status=").content.decode()
    assert "Jo käsitelty palaute." in everything


def test_a_rows_link_is_named_by_what_the_feedback_says(clerk, client_for):
    item = FeedbackFactory(text="Ajanvaraus   ei\nonnistunut verkossa.")
    rating_only = FeedbackFactory(text="", rating=2, topic=Topic.BILLING)
    body = client_for(clerk).get("/palaute/").content.decode()
    assert f'<a href="/palaute/{item.pk}/">Ajanvaraus ei onnistunut verkossa.</a>' in body
    assert f'<a href="/palaute/{rating_only.pk}/">Laskutus ja maksut</a>' in body
