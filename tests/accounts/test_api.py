from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from accounts.models import ApiClient, Scope

pytestmark = pytest.mark.django_db

WHOAMI = "/api/v1/whoami/"


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def create_client(name: str = "Verkkosivut", *scopes: str) -> str:
    out = StringIO()
    call_command(
        "create_api_client",
        name,
        *[f"--scope={s}" for s in scopes or ["feedback"]],
        stdout=out,
        stderr=StringIO(),
    )
    return out.getvalue().strip()


def test_create_api_client_prints_the_token_once_and_stores_only_its_hash():
    token = create_client("Verkkosivut", "feedback", "visits")
    client = ApiClient.objects.get(name="Verkkosivut")
    assert client.scopes == ["feedback", "visits"]
    assert token.startswith("pkr_") and len(token) > 40
    assert token not in (client.token_hash, client.token_prefix)
    assert ApiClient.objects.authenticate(token) == client


def test_create_api_client_refuses_a_duplicate_name_and_an_unknown_scope():
    create_client("Puhelinjärjestelmä", "calls")
    with pytest.raises(CommandError):
        create_client("Puhelinjärjestelmä", "calls")
    with pytest.raises(CommandError):
        create_client("Muu", "everything")


def test_a_token_identifies_its_client():
    token = create_client("Tekstiviestipalvelu", "surveys")
    response = Client().get(WHOAMI, **bearer(token))
    assert response.status_code == 200
    assert response.json() == {"name": "Tekstiviestipalvelu", "scopes": ["surveys"]}
    assert ApiClient.objects.get().last_used_at is not None


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"HTTP_AUTHORIZATION": "Bearer"},
        {"HTTP_AUTHORIZATION": "Bearer pkr_wrong"},
        {"HTTP_AUTHORIZATION": "Basic abc"},
    ],
    ids=["none", "empty", "wrong", "other-scheme"],
)
def test_requests_without_a_valid_token_get_a_json_401(headers):
    create_client()
    response = Client().get(WHOAMI, **headers)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()


def test_a_revoked_token_stops_working_at_once():
    token = create_client()
    ApiClient.objects.get().revoke()
    assert Client().get(WHOAMI, **bearer(token)).status_code == 401


def test_the_privacy_officer_revokes_a_token_in_the_admin(privacy_officer, client_for):
    token = create_client()
    api_client = ApiClient.objects.get()
    response = client_for(privacy_officer).post(
        "/admin/accounts/apiclient/", {"action": "revoke", "_selected_action": [api_client.pk]}
    )
    assert response.status_code == 302
    api_client.refresh_from_db()
    assert api_client.revoked_at is not None
    assert Client().get(WHOAMI, **bearer(token)).status_code == 401


def test_scope_check_lets_only_tokens_with_the_scope_through(rf):
    from accounts.authentication import HasScope

    api_client, _token = ApiClient.issue(name="Verkkosivut", scopes=[Scope.FEEDBACK])

    class View:
        required_scope = Scope.FEEDBACK

    class OtherView:
        required_scope = Scope.CALLS

    class Request:
        auth = api_client

    assert HasScope().has_permission(Request(), View())
    assert not HasScope().has_permission(Request(), OtherView())
    api_client.revoke()
    assert not HasScope().has_permission(Request(), View())


def test_a_view_that_names_no_permission_is_closed():
    from django.conf import settings

    assert settings.REST_FRAMEWORK["DEFAULT_PERMISSION_CLASSES"] == [
        "accounts.authentication.DenyAll"
    ]


def test_unknown_api_paths_answer_json_404():
    response = Client().get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Ei löytynyt."}


def test_openapi_schema_and_local_docs_page():
    schema = Client().get("/api/schema/")
    assert schema.status_code == 200
    assert b"bearerAuth" in schema.content and b"/api/v1/whoami/" in schema.content
    docs = Client().get("/api/docs/")
    assert docs.status_code == 200
    body = docs.content.decode()
    assert "swagger-ui" in body
    assert "cdn" not in body.lower() and "//unpkg" not in body
