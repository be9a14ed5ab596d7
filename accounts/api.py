"""The API's base views: JSON errors everywhere, and a token check for machines."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from accounts.authentication import AnyActiveClient
from accounts.models import ApiClient

logger = logging.getLogger(__name__)


class ApiClientAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.ApiClientAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer"}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Answer every error as JSON; field errors keep DRF's {field: [messages]} shape."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        logger.exception("Unhandled API error", exc_info=exc)
        return Response({"detail": _("Internal server error.")}, status=500)
    return response


@extend_schema(
    summary="Who am I",
    description="The calling client's name and scopes: lets a machine check its token.",
    responses=inline_serializer(
        "WhoAmI",
        {
            "name": serializers.CharField(),
            "scopes": serializers.ListField(child=serializers.CharField()),
        },
    ),
)
@api_view(["GET"])
@permission_classes([AnyActiveClient])
def whoami(request: Request) -> Response:
    client: ApiClient = request.auth
    return Response({"name": client.name, "scopes": client.scopes})
