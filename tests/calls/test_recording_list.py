"""The recordings list: found by day, number, customer or as unidentified; paged; every row
shows the number; the customer links to their page (issue 17, item 7)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from calls.views import PAGE_SIZE
from tests.calls.factories import CallRecordingFactory
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db

HELSINKI = ZoneInfo("Europe/Helsinki")


def shown(client, **params) -> str:
    response = client.get("/puhelut/", params)
    assert response.status_code == 200, response.content.decode()
    return response.content.decode()


@pytest.fixture
def calls(media_root):
    aino = CustomerFactory(first_name="Aino", last_name="Korhonen")
    late = datetime(2026, 11, 20, 23, 30, tzinfo=HELSINKI)  # 21.30 UTC: still the 20th here
    return {
        "aino": CallRecordingFactory(
            call_id="aino", customer=aino, caller_number="+358408095987", started_at=late
        ),
        "unknown": CallRecordingFactory(
            call_id="unknown",
            caller_number="+358501112223",
            started_at=late + timedelta(days=2),
        ),
        "withheld": CallRecordingFactory(
            call_id="withheld", caller_number="", started_at=late + timedelta(days=3)
        ),
        "aino_customer": aino,
    }


def test_an_unidentified_callers_number_is_shown_in_national_format(supervisor, client_for, calls):
    page = shown(client_for(supervisor))
    assert "050 1112223" in page
    assert "040 8095987" in page
    assert "+358" not in page
    assert "Salainen numero" in page  # the withheld one


def test_the_customer_is_a_link_in_the_list_and_on_the_call_page(supervisor, client_for, calls):
    client = client_for(supervisor)
    link = f'href="/asiakkaat/{calls["aino_customer"].pk}/"'
    assert link in shown(client)
    assert link in client.get(f"/puhelut/{calls['aino'].pk}/").content.decode()


def test_days_are_local_days_and_inclusive(supervisor, client_for, calls):
    client = client_for(supervisor)
    page = shown(client, started_from="2026-11-20", started_to="2026-11-20")
    assert "1 tallenne" in page and "040 8095987" in page and "050 1112223" not in page
    page = shown(client, started_from="2026-11-21")
    assert "2 tallennetta" in page and "040 8095987" not in page


@pytest.mark.parametrize(
    "typed", ["040 809", "0408095987", "+358 40 809", "8095987", "(040) 809-59"]
)
def test_a_partial_number_in_any_notation_finds_the_call(supervisor, client_for, calls, typed):
    page = shown(client_for(supervisor), number=typed)
    assert "040 8095987" in page
    assert "050 1112223" not in page


@pytest.mark.parametrize("typed", ["Aino", "korh", "korhonen aino", "number"])
def test_the_customer_filter_takes_a_name_or_a_customer_number(
    supervisor, client_for, calls, typed
):
    if typed == "number":
        typed = calls["aino_customer"].customer_number
    page = shown(client_for(supervisor), customer=typed)
    assert "1 tallenne" in page and "040 8095987" in page


def test_unidentified_only_leaves_out_matched_calls(supervisor, client_for, calls):
    page = shown(client_for(supervisor), unidentified="on")
    assert "2 tallennetta" in page
    assert "040 8095987" not in page and "050 1112223" in page


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"number": "04"}, "Anna numerosta vähintään 3 numeroa."),
        ({"number": "abc123"}, "Puhelinnumerossa on vain numeroita"),
        ({"started_from": "2026-11-22", "started_to": "2026-11-20"}, "Loppupäivä on ennen"),
        ({"started_from": "20.13.2026"}, "Syötä oikea päivämäärä."),
        ({"customer": "Aino", "unidentified": "on"}, "Tunnistamattomalla puhelulla"),
    ],
)
def test_bad_filters_answer_400_with_a_finnish_message_and_no_rows(
    supervisor, client_for, calls, params, message
):
    response = client_for(supervisor).get("/puhelut/", params)
    page = response.content.decode()
    assert response.status_code == 400
    assert message in page
    assert "<tbody>" not in page


def test_pages_keep_the_filters_and_the_query_count_does_not_grow(
    supervisor, client_for, media_root, django_assert_max_num_queries
):
    start = timezone.now() - timedelta(days=1)
    for n in range(PAGE_SIZE + 5):
        CallRecordingFactory(
            customer=CustomerFactory() if n % 2 else None, started_at=start - timedelta(minutes=n)
        )
    client = client_for(supervisor)
    client.get("/puhelut/")  # warm the session and permission caches
    with django_assert_max_num_queries(12):
        page = shown(client, number="+35850", started_from="2020-01-01")
    assert f"{PAGE_SIZE + 5} tallennetta" in page
    assert "page=2" in page and "number=%2B35850" in page
    with django_assert_max_num_queries(12):
        second = shown(client, number="+35850", started_from="2020-01-01", page=2)
    assert second.count("<tr>") == 5 + 1
