"""No English on staff pages: every page a role can reach, the admin included, the two-factor
pages and a wrong code at sign-in are rendered, and their text is searched for the English
source strings of the catalogues in use (the project's, Django's, the admin's, two_factor's and
django_otp's). A string that Finnish leaves untranslated shows up as its English source."""

from __future__ import annotations

import html
import re
from collections import deque
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import django
import django_otp
import polib
import pytest
import two_factor
from django.conf import settings
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import PASSWORD, current_code
from tests.customers.factories import CompanyFactory, ContactRoleFactory, CustomerFactory
from tests.feedback.factories import FeedbackFactory

pytestmark = pytest.mark.django_db

# Pages walked per role, following the links of each page from the front page.
MAX_PAGES = 120
# Links not to follow: leaving, downloads, and pages that act on GET.
SKIP = re.compile(
    r"^/(static|media)/|/kirjaudu-ulos/|logout|\.(csv|xlsx|pdf|wav|mp3)$|/lataa|/download"
)
# Source strings that are written the same in Finnish (names, codes).
# "English": a link to the English version is named in English, as languages name themselves.
SAME_IN_FINNISH = {"Chart.js", "Django", "OK", "Excel (XLSX)", "English"}
_PLACEHOLDER = re.compile(r"%(\(\w+\))?[sd]|\{\w*\}")


def _source_strings(po: Path) -> set[str]:
    """Every source string of a catalogue, translated or not (a compiled catalogue leaves out
    the untranslated ones, which are the point here)."""
    return {" ".join(entry.msgid.split()) for entry in polib.pofile(str(po))}


@cache
def english_sources() -> re.Pattern:
    """The source strings of every catalogue that staff pages use, as one pattern of whole
    words: phrases of two words or more, and capitalised single words of four letters or more
    (a button, a column heading), without placeholders."""
    site = Path(django.__file__).parent
    catalogues = [
        Path(settings.BASE_DIR) / "locale/fi/LC_MESSAGES/django.po",
        site / "conf/locale/fi/LC_MESSAGES/django.po",
        site / "contrib/admin/locale/fi/LC_MESSAGES/django.po",
        site / "contrib/auth/locale/fi/LC_MESSAGES/django.po",
        Path(two_factor.__file__).parent / "locale/fi/LC_MESSAGES/django.po",
        # django_otp has no Finnish catalogue: its German one lists every source string.
        Path(django_otp.__file__).parent / "locale/de/LC_MESSAGES/django.po",
    ]
    found = set()
    for po in catalogues:
        for text in _source_strings(po):
            if _PLACEHOLDER.search(text) or text in SAME_IN_FINNISH:
                continue
            words = text.split()
            if (
                len(words) >= 2
                and len(text) >= 8
                or (len(words) == 1 and len(text) >= 4 and text[0].isupper() and text.isalpha())
            ):
                found.add(text)
    alternatives = "|".join(re.escape(text) for text in sorted(found, key=len, reverse=True))
    return re.compile(rf"(?<![\w.])(?:{alternatives})(?!\w)")


def visible_text(body: str) -> str:
    """The page's text, with what screen readers read from attributes."""
    body = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", body)
    attributes = " ".join(re.findall(r'(?:aria-label|title|placeholder|alt|value)="([^"]*)"', body))
    text = re.sub(r"(?s)<[^>]+>", " ", body) + " " + attributes
    return " ".join(html.unescape(text).split())


def english_in(body: str, *, names: tuple[str, ...] = ()) -> list[str]:
    """English source strings in the page; `names` (the signed-in user's) are not text."""
    text = visible_text(body)
    for name in names:
        text = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", " ", text)
    return sorted(set(english_sources().findall(text)))


def _links(body: str) -> list[str]:
    return [html.unescape(href) for href in re.findall(r'href="(/[^"#]*)"', body)]


def walk(client: Client, start: list[str], *, names: tuple[str, ...]) -> dict[str, list[str]]:
    """English found on each page reachable by links from `start`."""
    seen, queue, english = set(start), deque(start), {}
    while queue and len(seen) <= MAX_PAGES:
        url = queue.popleft()
        response = client.get(url)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        body = response.content.decode()
        if re.search(r'<html[^>]*\blang="(?!fi)', body):
            continue  # a page meant in another language (the notice in English), not staff's
        if found := english_in(body, names=names):
            english[url] = found
        for link in _links(body):
            path = urlsplit(link).path
            key = link if "?" not in link else path
            if key not in seen and not SKIP.search(path):
                seen.add(key)
                queue.append(link)
    return english


@pytest.fixture
def register(clerk):
    person = CustomerFactory(first_name="Aino", last_name="Mäkinen")
    ContactRoleFactory(customer=person, company=CompanyFactory(name="Karjalan Puu Oy"))
    FeedbackFactory(customer=person, rating=2)
    return person


@pytest.mark.parametrize("role", ["clerk", "supervisor", "privacy_officer", "marketer"])
def test_pages_a_role_reaches_have_no_english(cast, register, client_for, role):
    user = cast[role]
    client = client_for(user)
    start = ["/", f"/asiakkaat/{register.pk}/", "/account/two_factor/"]
    if user.is_staff:
        start.append("/admin/")
    # Staff names are not text: the admin's filters list every staff member by name.
    names = (*(member.first_name for member in cast.values()), user.username)
    english = walk(client, start, names=names)
    left = sorted({text for found in english.values() for text in found})
    assert left == [], " | ".join(left)


def test_the_two_factor_pages_have_no_english(clerk, client_for):
    client = client_for(clerk)
    for url in ("/account/two_factor/", "/account/two_factor/backup/tokens/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert english_in(response.content.decode()) == [], url


def test_a_wrong_code_at_sign_in_is_told_in_finnish(clerk):
    device = TOTPDevice.objects.create(user=clerk, name="default", confirmed=True)
    client = Client()
    client.post(
        "/account/login/",
        {"login_view-current_step": "auth", "auth-username": "clerk", "auth-password": PASSWORD},
    )
    wrong = f"{(int(current_code(device)) + 1) % 1_000_000:06d}"
    response = client.post(
        "/account/login/", {"login_view-current_step": "token", "token-otp_token": wrong}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert english_in(body) == []
    assert "Virheellinen" in body or "virheellinen" in body


def test_the_check_would_see_english(clerk):
    """The check itself: an English source string in a page is reported."""
    assert english_in("<p>Invalid token. Please make sure you have entered it correctly.</p>")
