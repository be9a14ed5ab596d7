"""The API's own endpoints and its authentication scheme in the schema; the common ground of
every endpoint (parser, errors, rate limits, idempotency keys) is accounts.api_base."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.authentication import AnyActiveClient
from accounts.models import ApiClient


class ApiClientAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.ApiClientAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer"}


# --- Endpoints ----------------------------------------------------------------------------------


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
