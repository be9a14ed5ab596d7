"""One header for every role (issue 17, item 8): at 1366×768 the register's name, the search
box and the user's menu share the first row, the navigation the second; the header is as tall
for the privacy officer (the longest navigation) as for customer service."""

from __future__ import annotations

import pytest

from tests.browser.test_customer_journey import sign_in

pytestmark = pytest.mark.browser

ROLES = ["clerk", "supervisor", "privacy_officer", "marketer"]


def box(page, selector: str) -> dict[str, float]:
    return page.locator(selector).first.bounding_box()


def measure(page) -> dict[str, object]:
    brand, header = box(page, ".site-header .brand"), box(page, ".site-header")
    user_menu = box(page, ".site-header .user-menu")
    search = page.locator(".header-search")
    links = page.locator(".main-nav a")
    return {
        "header_height": header["height"],
        "brand_middle": brand["y"] + brand["height"] / 2,
        "menu_middle": user_menu["y"] + user_menu["height"] / 2,
        "search": search.bounding_box() if search.count() else None,
        "nav_rows": len({round(links.nth(i).bounding_box()["y"]) for i in range(links.count())}),
        "nav_top": min(links.nth(i).bounding_box()["y"] for i in range(links.count())),
    }


def test_every_role_gets_the_same_two_row_header_with_the_search_on_the_first_row(
    browser, live_server, cast
):
    heights = {}
    for role in ROLES:
        context = browser.new_context(
            locale="fi-FI",
            timezone_id="Europe/Helsinki",
            base_url=live_server.url,
            viewport={"width": 1366, "height": 768},
        )
        page = context.new_page()
        sign_in(page, cast[role])
        found = measure(page)
        context.close()

        first_row = found["brand_middle"]
        assert abs(found["menu_middle"] - first_row) < 8, role
        if role != "marketer":  # marketing does not search customers
            search = found["search"]
            assert abs(search["y"] + search["height"] / 2 - first_row) < 8, role
            assert search["width"] >= 300, role
        assert found["nav_rows"] == 1, role
        assert found["nav_top"] > first_row, role
        heights[role] = found["header_height"]
    assert max(heights.values()) - min(heights.values()) < 1, heights
    assert heights["clerk"] <= 110, heights
