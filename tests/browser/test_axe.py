"""axe-core (shipped inside axe-playwright-python, no CDN) over the pages each role works on:
no serious or critical violation."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.test_customer_journey import sign_in
from tests.customers.factories import CompanyFactory, ContactRoleFactory, CustomerFactory
from tests.feedback.factories import FeedbackFactory

pytestmark = pytest.mark.browser

PAGES = {
    "clerk": ["/", "/asiakkaat/?q=Mäkinen", "/asiakkaat/?q=Mäkinne", "{person}", "/palaute/"],
    "supervisor": ["/", "{person}", "/raportit/"],
    "privacy_officer": [
        "/",
        "{person}",
        "/admin/",
        "/admin/customers/occupationalhealthcontract/add/",
    ],
    "marketer": ["/"],
}


@pytest.mark.parametrize("role", list(PAGES))
def test_no_serious_accessibility_violations(page, cast, role):
    person = CustomerFactory(first_name="Aino", last_name="Mäkinen")
    ContactRoleFactory(customer=person, company=CompanyFactory(name="Karjalan Puu Oy"))
    FeedbackFactory(customer=person, rating=2)
    sign_in(page, cast[role])
    axe = Axe()
    found = {}
    for url in PAGES[role]:
        page.goto(url.format(person=f"/asiakkaat/{person.pk}/"))
        violations = axe.run(page).response["violations"]
        serious = [
            f"{v['id']}: {[n['target'] for n in v['nodes']][:3]}"
            for v in violations
            if v["impact"] in ("serious", "critical")
        ]
        if serious:
            found[url] = serious
    assert found == {}
