"""The privacy officer compares the generated draft with the published notice and publishes it;
anyone then reads it on the public page, in either language, without signing in."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from notice.models import NoticeSection, NoticeVersion
from notice.seed import import_seed
from notice.services import run_check
from tests.browser.test_customer_journey import sign_in

pytestmark = pytest.mark.browser


def test_privacy_officer_compares_the_draft_and_publishes_it(page, privacy_officer, browser):
    import_seed(NoticeVersion, NoticeSection)  # a flush earlier in the run may have taken it
    run_check()  # the daily job has run once
    sign_in(page, privacy_officer)

    # The front page shows the last check, with each difference on its line.
    panel = page.get_by_role("region", name="Tietosuojaselosteen tarkistus")
    # Ten: the eight of tests/notice/test_consistency.py, and the inactivity and accounting
    # voucher policies of issue #16, which the 2018 notice does not state.
    expect(panel).to_contain_text("10 eroa julkaistun selosteen ja järjestelmän välillä")
    expect(panel.get_by_role("listitem")).to_have_count(10)
    panel.get_by_role("link", name="Tarkastele selosteen luonnosta").click()

    # Section by section, the changed ones open, the differences marked.
    expect(
        page.get_by_role("heading", name="Tietosuojaseloste: luonnos julkaistun version rinnalla")
    ).to_be_visible()
    expect(page.get_by_test_id("changed-count")).to_contain_text(
        "kohtaa eroaa julkaistusta versiosta"
    )
    retention = page.locator("#compare-11")
    expect(retention).to_have_attribute("open", "")
    expect(retention.locator(".notice-compare-new ins").filter(has_text="90 vrk")).to_be_visible()
    expect(retention.locator(".notice-compare-old del").first).to_be_visible()
    unchanged = page.locator("#compare-14")
    expect(unchanged).not_to_have_attribute("open", "")
    expect(unchanged).to_contain_text("ei muutoksia")

    # The English draft beside nothing: the 2018 notice was Finnish only.
    page.get_by_role("link", name="englanti").click()
    expect(page.locator("#compare-11 .notice-compare-new")).to_contain_text(
        "Call recordings are kept for 30 days."
    )

    page.get_by_role("button", name="Julkaise versiona 2").click()
    expect(page.get_by_role("status")).to_contain_text("Tietosuojaselosteen versio 2 on julkaistu.")
    expect(page.get_by_text("Julkaistu seloste vastaa järjestelmää.")).to_be_visible()
    version = NoticeVersion.objects.current()
    assert version.number == 2 and version.published_by == privacy_officer

    # Anyone reads it, with no session and no script.
    context = browser.new_context(
        locale="fi-FI", base_url=page.url.split("/jarjestelma")[0], java_script_enabled=False
    )
    public = context.new_page()
    public.goto("/tietosuojaseloste/")
    expect(
        public.get_by_text(re.compile(r"Versio 2, voimassa \d+\.\d+\.\d{4} alkaen\."))
    ).to_be_visible()
    expect(public.get_by_text("Verkkosivujen käyttötiedot säilytetään 90 vrk.")).to_be_visible()
    public.get_by_role("link", name=re.compile("Versio 1, voimassa 25.5.2018")).click()
    expect(public.get_by_text("Tämä on aiempi versio.")).to_be_visible()
    public.get_by_role("link", name="In English").click()
    expect(public.get_by_role("heading", level=1)).to_contain_text("PRIVACY NOTICE")
    public.emulate_media(media="print")
    expect(public.get_by_role("navigation", name="Language")).to_be_hidden()
    context.close()
