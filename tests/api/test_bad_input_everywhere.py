"""Every URL pattern of the project, resolved from the URLconf (a new view is in this test by
itself): a NUL byte, a lone surrogate, an over-long value and a deeply nested body, sent to each
page's query string and forms and to each API endpoint, get anything but a 500."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, User
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.calls.factories import CallRecordingFactory
from tests.customers.factories import CompanyFactory, CustomerFactory
from tests.feedback.factories import FeedbackFactory

pytestmark = pytest.mark.django_db

# Sent raw where the transport allows: JSON carries the lone surrogate as an escape; a query
# string or a form carries its UTF-8-like bytes (which the decoder turns into U+FFFD).
BAD_TEXT = {"nul": "a\x00b", "surrogate": "\ud800", "long": "x" * 5000}
BAD_FORM = {"nul": "a\x00b", "surrogate": "%ED%A0%80", "long": "x" * 5000}
DEEP = "[" * 100_000


def _patterns(resolvers=None, prefix="", namespace=""):
    for entry in resolvers if resolvers is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if entry.namespace else namespace
            yield from _patterns(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}".strip(":") if entry.name else ""
            yield prefix + str(entry.pattern), name


ROUTES = sorted(set(_patterns()))
PARAMS = [pytest.param(route, name, id=route or name) for route, name in ROUTES]
_CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")


def _concrete(route: str, name: str, world: dict[str, str]) -> str:
    """A path for the route, with each parameter filled by an object of the test's world."""
    path = route.lstrip("^").rstrip("$").replace("\\Z", "")
    if "(?P<" in path or "(?:" in path:  # a regex route (the admin's app index, say)
        path = re.sub(r"\(\?P<app_label>[^)]*\)", "customers", path)
        path = re.sub(r"\(\?P<\w+>[^)]*\)", "1", path)
        path = re.sub(r"\(\?:[^)]*\)", "", path)

    def fill(match: re.Match) -> str:
        kind, key = match.group(1) or "str", match.group(2)
        if key == "object_id" and name.startswith("admin:"):
            app_model = name.split(":")[1].rsplit("_", 1)[0]
            app, _sep, model = app_model.partition("_")
            try:
                found = apps.get_model(app, model).objects.order_by("pk").first()
            except LookupError:
                found = None
            return str(found.pk) if found is not None else "1"
        if key == "section":
            return "palvelut"
        if key == "fmt":
            return "csv"
        if key in world:
            return world[key]
        for start, value in world.items():
            if start.startswith("/") and path.startswith(start.lstrip("/")):
                return value
        return world["pk"] if kind == "int" else "x"

    return "/" + _CONVERTER.sub(fill, path)


class _FieldNames(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("input", "textarea", "select") and attrs.get("name"):
            self.names.add(attrs["name"])


@pytest.fixture
def world(db):
    customer = CustomerFactory()
    company = CompanyFactory()
    feedback = FeedbackFactory(customer=customer)
    recording = CallRecordingFactory(customer=customer)
    return {
        "pk": str(customer.pk),
        "/yritykset/": str(company.pk),
        "/palaute/": str(feedback.pk),
        "/puhelut/": str(recording.pk),
        "kind": "palvelut",
        "report": "groups",
        "breakdown": "month",
        "grant": "x",
    }


@pytest.fixture
def everyone(db, client_for):
    """A verified user with every role and every permission: every form is within reach."""
    user = User.objects.create_superuser("kaikki", password="Testisalasana-2026")
    user.groups.set(Group.objects.all())
    return client_for(user)


@pytest.fixture
def token(db, unlimited):
    from accounts.models import ApiClient, Scope

    _client, value = ApiClient.issue(name="Kaikki", scopes=[s.value for s in Scope])
    return {"HTTP_AUTHORIZATION": f"Bearer {value}"}


def _no_500(response, what: str) -> None:
    assert response.status_code < 500, (what, response.status_code)


@pytest.mark.parametrize(("route", "name"), PARAMS)
def test_bad_input_gets_no_500(route, name, world, everyone, token, media_root_for_fuzz):
    if name in ("logout", "set_language"):
        pytest.skip("ends the session or only sets a cookie")
    path = _concrete(route, name, world)
    if path.startswith("/api/"):
        for label, value in BAD_TEXT.items():
            body = json.dumps({"text": value, "evidence": value, "topic": value, label: value})
            _no_500(Client().post(path, body, content_type="application/json", **token), label)
        deep = Client().post(path, DEEP, content_type="application/json", **token)
        _no_500(deep, "deep")
        nested = json.dumps({"evidence": json.loads("[" * 500 + "]" * 500)})
        _no_500(Client().post(path, nested, content_type="application/json", **token), "nested")
        return
    page = everyone.get(path)
    _no_500(page, "get")
    names = {"q", "page", "sort"}
    if page.status_code == 200 and "html" in page.get("Content-Type", ""):
        parser = _FieldNames()
        parser.feed(page.content.decode("utf-8", "replace"))
        names |= parser.names
    names.discard("csrfmiddlewaretoken")
    for label, value in BAD_FORM.items():
        query = "&".join(
            f"{n}={value if label == 'surrogate' else value.replace(chr(0), '%00')}"
            for n in sorted(names)
        )
        _no_500(everyone.get(f"{path}?{query}"), f"get {label}")
        form = dict.fromkeys(names, value if label != "surrogate" else "�")
        _no_500(everyone.post(path, form), f"post {label}")
    _no_500(everyone.post(path, DEEP, content_type="application/json"), "deep")
