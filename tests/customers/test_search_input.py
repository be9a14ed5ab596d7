"""Search boxes and filters: text the database cannot search for is a Finnish 400, checked once
for every page (accounts.middleware.InputCheckMiddleware)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url", ["/asiakkaat/", "/yritykset/", "/palaute/", "/admin/customers/customer/"]
)
def test_a_nul_in_the_search_is_a_finnish_400(privacy_officer, client_for, url):
    response = client_for(privacy_officer).get(url + "?q=%00")
    assert response.status_code == 400
    assert "merkki, jota ei voi käyttää" in response.content.decode()


def test_an_over_long_search_is_a_400(clerk, client_for):
    response = client_for(clerk).get("/asiakkaat/?q=" + "a" * 1001)
    assert response.status_code == 400
    assert "liian pitkä" in response.content.decode()
