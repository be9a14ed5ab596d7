"""The privacy officer reads the access log, the change history and the scheduled jobs at
1366×768: in Finnish, people and staff by name, the person found by a search of their name,
and nothing wider than the window."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from audit.history import attributed_to
from audit.models import AccessAction, AccessLogEntry, AccessPurpose
from customers.models import Customer
from tests.browser.test_customer_journey import sign_in
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.browser

WIDTH, HEIGHT = 1366, 768


@pytest.fixture
def person(clerk):
    clerk.first_name, clerk.last_name = "Kaisa", "Asiakaspalvelija"
    clerk.save()
    person = CustomerFactory(first_name="Aino", last_name="Mäkinen", email="a@x.fi")
    CustomerFactory(first_name="Pekka", last_name="Muu")
    with attributed_to(clerk):
        Customer.objects.filter(pk=person.pk).update(email="b@x.fi")
    AccessLogEntry.record(
        actor=clerk,
        action=AccessAction.VIEW,
        purpose=AccessPurpose.CUSTOMER_SERVICE,
        subject=person,
    )
    return person


def fits_the_window(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def assert_visible_in_window(page, locator) -> None:
    expect(locator).to_be_visible()
    box = locator.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= WIDTH, box


def find_person_by_search(page, name: str, label: str) -> None:
    page.get_by_role("textbox", name="Hae").fill(name)
    page.keyboard.press("Enter")
    page.locator("#changelist-filter").get_by_role("link", name=label, exact=True).click()


def test_access_log_names_the_person_and_fits_1366(page, privacy_officer, person):
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    sign_in(page, privacy_officer)
    page.goto("/admin/audit/accesslogentry/")
    find_person_by_search(page, "Mäkinen", f"Aino Mäkinen ({person.customer_number})")

    # The clerk's view, and the privacy officer's own search that offered the person.
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(2)
    viewed = rows.filter(has_text="Kaisa Asiakaspalvelija")
    expect(viewed).to_contain_text("Katsottu")
    link = viewed.get_by_role("link", name=f"Aino Mäkinen ({person.customer_number})")
    assert_visible_in_window(page, link)
    assert link.get_attribute("href") == f"/asiakkaat/{person.pk}/"
    expect(rows.filter(has_text="ylläpidon henkilöhaku")).to_have_count(1)
    expect(page.locator("#result_list thead")).to_contain_text("Henkilö")
    assert fits_the_window(page)


def test_change_history_reads_as_sentences_and_fits_1366(page, privacy_officer, person):
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    sign_in(page, privacy_officer)
    page.goto("/admin/")
    page.get_by_role("link", name="Muutokset", exact=True).click()
    expect(page.get_by_role("heading", name="Muutoshistoria", exact=True)).to_be_visible()
    find_person_by_search(page, "Mäkinen", f"Aino Mäkinen ({person.customer_number})")

    changed = page.locator("#result_list tbody tr", has_text="Muutettu")
    expect(changed).to_have_count(1)
    expect(changed).to_contain_text("Sähköposti: a@x.fi → b@x.fi")
    expect(changed).to_contain_text("Kaisa Asiakaspalvelija")
    assert_visible_in_window(
        page, changed.get_by_role("link", name=f"Aino Mäkinen ({person.customer_number})")
    )
    body = page.locator("body").inner_text()
    assert "pgh" not in body.lower() and '"user"' not in body
    assert fits_the_window(page)
    assert page.evaluate("document.documentElement.scrollHeight") < 3 * HEIGHT


def test_scheduled_jobs_say_when_in_words_and_fit_1366(page, privacy_officer):
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    sign_in(page, privacy_officer)
    page.goto("/jarjestelma/ajastukset/")
    table = page.locator("#scheduled-jobs")
    expect(table).to_contain_text("Joka päivä klo 3.41")
    expect(table).not_to_contain_text("crontab")
    assert fits_the_window(page)
