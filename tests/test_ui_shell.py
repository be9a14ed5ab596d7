from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.test import override_settings

from tests.customers.factories import CompanyFactory, ContactRoleFactory, CustomerFactory

ROOT = Path(__file__).resolve().parent.parent


def test_front_page_is_finnish_with_navigation_by_role(clerk, privacy_officer, client_for):
    clerk_page = client_for(clerk).get("/").content.decode()
    assert "Tervetuloa" in clerk_page
    assert "Asiakaspalvelu" in clerk_page  # the role
    assert "Kirjaudu ulos" in clerk_page
    assert "Ajastetut tehtävät" not in clerk_page
    assert "Ylläpito" not in clerk_page

    officer_page = client_for(privacy_officer).get("/").content.decode()
    assert "Ajastetut tehtävät" in officer_page
    assert "Ylläpito" in officer_page


def test_english_is_available(clerk, client_for):
    client = client_for(clerk)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert "Welcome" in client.get("/").content.decode()


def test_messages_are_shown_after_an_action(clerk, client_for):
    response = client_for(clerk).post("/kirjaudu-ulos/", follow=True)
    assert "Olet kirjautunut ulos." in response.content.decode()


def test_404_page_is_finnish(clerk, client_for):
    response = client_for(clerk).get("/ei-ole-olemassa/")
    assert response.status_code == 404
    assert "Sivua ei löytynyt" in response.content.decode()


def test_500_page_is_finnish_and_needs_no_context(db):
    from accounts.views import server_error

    class Request:
        path = "/"

    response = server_error(Request())
    assert response.status_code == 500
    assert "Jotain meni vikaan" in response.content.decode()


def test_pages_load_nothing_from_other_origins(clerk, client_for):
    for path in ["/", "/account/login/", "/account/two_factor/"]:
        body = client_for(clerk).get(path).content.decode()
        for url in re.findall(r'(?:src|href)="([^"]+)"', body):
            assert not url.startswith(("http:", "https:", "//")), f"{path} loads {url}"


def test_every_template_and_static_file_references_only_local_assets():
    for path in list((ROOT / "templates").rglob("*.html")) + list((ROOT / "static").rglob("*.css")):
        text = path.read_text()
        assert not re.search(r"(src|href|url\()\s*=?\s*[\"']?(https?:)?//", text), path


@override_settings(LANGUAGE_CODE="fi")
def test_finnish_catalogue_has_no_untranslated_or_fuzzy_entries():
    catalogue = polib.pofile(str(ROOT / "locale" / "fi" / "LC_MESSAGES" / "django.po"))
    untranslated = [e.msgid for e in catalogue.untranslated_entries()]
    fuzzy = [e.msgid for e in catalogue.fuzzy_entries()]
    assert untranslated == [] and fuzzy == []


def test_catalogue_covers_every_string_in_the_code(tmp_path):
    """Run makemessages into a copy and compare: a new string without Finnish fails here."""
    import shutil
    import subprocess
    import sys

    if shutil.which("xgettext") is None:
        pytest.skip("gettext tools are not installed")
    work = tmp_path / "src"
    shutil.copytree(
        ROOT,
        work,
        ignore=shutil.ignore_patterns(
            ".venv", ".git", "var", "tests", "__pycache__", "node_modules"
        ),
    )
    (work / ".venv").symlink_to(ROOT / ".venv")
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "fi",
            "--ignore=.venv",
            "--ignore=var",
            "--ignore=tests",
            "--no-location",
            "-v",
            "0",
        ],
        cwd=work,
        check=True,
    )
    catalogue = polib.pofile(str(work / "locale" / "fi" / "LC_MESSAGES" / "django.po"))
    missing = [e.msgid for e in catalogue.untranslated_entries()] + [
        e.msgid for e in catalogue.fuzzy_entries()
    ]
    assert missing == [], "Translate these in locale/fi/LC_MESSAGES/django.po (make messages)"


def test_static_files_are_served_without_a_cdn(live_server):
    import urllib.request

    with urllib.request.urlopen(f"{live_server.url}{settings.STATIC_URL}css/app.css") as response:  # noqa: S310
        assert response.status == 200


# --- Every paged list answers any page number -----------------------------------------------------

PAGED_LISTS = [
    # (who looks, address; {pk} is a person's, {company} a company's, query parameter)
    ("clerk", "/asiakkaat/?q=Virtanen", "page"),
    ("clerk", "/asiakkaat/{pk}/tehtavat/", "page"),
    ("clerk", "/asiakkaat/{pk}/palvelut/", "page"),
    ("clerk", "/asiakkaat/{pk}/vakuutukset/", "page"),
    ("clerk", "/asiakkaat/{pk}/tyoterveys/", "page"),
    ("clerk", "/asiakkaat/{pk}/ryhmat/", "page"),
    ("clerk", "/asiakkaat/{pk}/luovutukset/", "page"),
    ("clerk", "/asiakkaat/{pk}/palaute/", "page"),
    ("clerk", "/asiakkaat/{pk}/puhelut/", "page"),
    ("clerk", "/asiakkaat/{pk}/suostumukset/", "page"),
    ("clerk", "/asiakkaat/{pk}/suostumukset/", "kiellot"),
    ("clerk", "/asiakkaat/{pk}/suostumukset/", "rajoitukset"),
    ("clerk", "/asiakkaat/{pk}/suostumukset/", "luovutukset"),
    ("clerk", "/yritykset/?q=Oy", "page"),
    ("clerk", "/yritykset/{company}/", "page"),
    ("clerk", "/yritykset/{company}/", "sopimukset"),
    ("clerk", "/palaute/", "page"),
    ("clerk", "/palaute/?customer={pk}", "page"),
    ("supervisor", "/puhelut/", "page"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "address", "param"), PAGED_LISTS)
@pytest.mark.parametrize("value", ["abc", "999999", "-1", "0", "9" * 30])
def test_a_bad_page_number_gives_a_page_never_an_error(
    cast, client_for, role, address, param, value
):
    customer = CustomerFactory(last_name="Virtanen")
    company = CompanyFactory(name="Virtasen Kuljetus Oy")
    ContactRoleFactory(customer=customer, company=company)
    url = address.format(pk=customer.pk, company=company.pk)
    separator = "&" if "?" in url else "?"
    response = client_for(cast[role]).get(f"{url}{separator}{param}={value}")
    assert response.status_code == 200
    assert 'lang="fi"' in response.content.decode()
