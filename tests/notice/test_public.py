"""The public notice pages: no login, no JavaScript, printable, every version reachable."""

from __future__ import annotations

import re

import pytest
from django.test import Client, override_settings

from accounts.roles import Role
from tests.conftest import make_user
from tests.notice.factories import publish_draft

PAGES = ["/tietosuojaseloste/", "/en/privacy-notice/"]


@pytest.mark.parametrize("path", PAGES)
def test_public_page_needs_no_login_and_no_script(db, path, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        response = Client().get(path)
    page = response.content.decode()
    assert response.status_code == 200
    assert "<script" not in page
    # The content security policy allows no inline style either: all of it is in notice.css.
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert "<style" not in page and " style=" not in page
    assert "css/notice.css" in page
    assert "TIETOSUOJASELOSTE (25.5.2018 alkaen)" in page  # version 1 is Finnish only
    assert response["Content-Language"] == path.split("/")[1].replace("tietosuojaseloste", "fi")


def test_finnish_page_shows_the_version_in_force_with_its_date_and_the_forms(db):
    page = Client().get("/tietosuojaseloste/").content.decode()
    assert "Versio 1, voimassa 25.5.2018 alkaen." in page
    assert "Puhelu-nauhoitteiden säilytysaika on 30 vrk." in page
    assert (
        "<h2>11. Henkilötietojen säilytysaika tai säilytysajan määrittämisen kriteerit</h2>" in page
    )
    for right in ("access", "rectification", "erasure", "restriction", "portability", "objection"):
        assert f'href="/tietosuojaseloste/lomakkeet/{right}.pdf"' in page
    assert 'href="/en/privacy-notice/"' in page


def test_english_page_says_when_a_version_exists_in_finnish_only(db):
    page = Client().get("/en/privacy-notice/").content.decode()
    assert "This version of the notice was published in Finnish only." in page
    assert 'href="/en/privacy-notice/forms/erasure.pdf"' in page


def test_after_publication_both_languages_show_it_and_link_the_earlier_one(db, privacy_officer):
    publish_draft(privacy_officer)
    finnish = Client().get("/tietosuojaseloste/").content.decode()
    assert "Versio 2, voimassa" in finnish
    assert "Puhelutallenteiden säilytysaika on 30 vrk." in finnish
    assert 'href="/tietosuojaseloste/versiot/1/"' in finnish
    english = Client().get("/en/privacy-notice/").content.decode()
    assert "Call recordings are kept for 30 days." in english
    assert "published in Finnish only" not in english
    assert 'href="/en/privacy-notice/versions/1/"' in english

    earlier = Client().get("/tietosuojaseloste/versiot/1/").content.decode()
    assert "Tämä on aiempi versio." in earlier
    assert "Puhelu-nauhoitteiden säilytysaika on 30 vrk." in earlier
    assert Client().get("/tietosuojaseloste/versiot/9/").status_code == 404


def test_lists_render_as_lists(db):
    page = Client().get("/tietosuojaseloste/").content.decode()
    section_7 = page[page.index('id="s7"') : page.index('id="s8"')]
    assert len(re.findall(r"<li>", section_7)) == 7


def test_the_print_stylesheet_hides_navigation():
    from pathlib import Path

    css = (Path(__file__).resolve().parents[2] / "static" / "css" / "notice.css").read_text()
    assert "@media print" in css
    print_rules = css[css.index("@media print") :]
    assert ".notice-header nav" in print_rules and "display: none" in print_rules


@override_settings(REQUIRE_2FA=True)
def test_a_signed_in_staff_member_without_a_second_factor_still_reads_it(db):
    client = Client()
    client.force_login(make_user("uusi", Role.CUSTOMER_SERVICE))
    assert client.get("/tietosuojaseloste/").status_code == 200
    assert client.get("/en/privacy-notice/").status_code == 200


def test_the_list_of_versions_pages_by_20(db, privacy_officer, feedback_kept):
    for years in range(6, 27):  # 21 publications after the 2018 notice
        feedback_kept(years)
        publish_draft(privacy_officer)
    first = Client().get("/tietosuojaseloste/").content.decode()
    assert "Versio 22, voimassa" in first
    assert 'href="/tietosuojaseloste/versiot/3/"' in first
    assert 'href="/tietosuojaseloste/versiot/2/"' not in first
    assert "Sivu 1 / 2" in first
    second = Client().get("/tietosuojaseloste/?page=2").content.decode()
    assert 'href="/tietosuojaseloste/versiot/1/"' in second
    assert Client().get("/tietosuojaseloste/?page=x").status_code == 200
