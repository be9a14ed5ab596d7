"""Bearer tokens per machine client, and the permissions API views choose from."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pghistory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from accounts.models import ApiClient

LAST_USED_PRECISION = timedelta(minutes=1)


class ClientPrincipal:
    """What DRF sees as `request.user` for a machine client. `request.auth` is the ApiClient."""

    is_authenticated = True
    is_anonymous = False
    is_staff = False

    def __init__(self, client: ApiClient) -> None:
        self.client = client

    def __str__(self) -> str:
        return f"api:{self.client.name}"


class ApiClientAuthentication(BaseAuthentication):
    """`Authorization: Bearer <token>`; attributes the request's changes to the client."""

    keyword = b"bearer"

    def authenticate(self, request: Request) -> tuple[ClientPrincipal, ApiClient] | None:
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid Authorization header."))
        try:
            token = header[1].decode()
        except UnicodeError as error:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from error
        client = ApiClient.objects.authenticate(token)
        if client is None:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        # Tells the privacy officer a token is in use. Written at most once a minute: a write
        # (and its commit) on every request would cost a busy client more than its own work.
        now = timezone.now()
        if client.last_used_at is None or now - client.last_used_at > LAST_USED_PRECISION:
            ApiClient.objects.filter(pk=client.pk).update(last_used_at=now)
        pghistory.context(api_client=client.pk)
        return ClientPrincipal(client), client

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


class DenyAll(BasePermission):
    """The default: a view that does not say who may use it is closed to everyone."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return False


class HasScope(BasePermission):
    """Allow an active client whose token carries the view's `required_scope`."""

    message = _("This token does not have the scope this endpoint needs.")

    def has_permission(self, request: Request, view: Any) -> bool:
        scope = getattr(view, "required_scope", None)
        client = request.auth
        if scope is None or not isinstance(client, ApiClient):
            return False
        return client.has_scope(scope)


class AnyActiveClient(BasePermission):
    """Allow any client with an active token, whatever its scopes."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return isinstance(request.auth, ApiClient) and request.auth.is_active
