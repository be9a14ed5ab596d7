"""The API's common ground, set as REST_FRAMEWORK defaults so that every endpoint has it.

- One strict JSON parser: bodies over API_MAX_BODY_BYTES are 413, JSON nested deeper than
  API_MAX_JSON_DEPTH or a text PostgreSQL cannot store (a NUL, a lone surrogate — in a value or
  in a key) is 400 with the field named; a body that is not JSON (multipart, a form) is 415.
- JSON errors everywhere, never a traceback; the renderer never fails on what it echoes.
- A rate limit for every scope, counted in Redis so every worker sees the same count.
- `Idempotency-Key`: a retried request gets the first one's answer and does nothing twice.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import PermissionDenied, RequestDataTooBig, TooManyFieldsSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import BaseParser
from rest_framework.permissions import BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.utils import encoders

from accounts.models import ApiClient, IdempotencyRecord

logger = logging.getLogger(__name__)

UNSTORABLE_TEXT = gettext_lazy("The text contains characters that are not allowed.")
IDEMPOTENCY_HEADER = "Idempotency-Key"
_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,100}$")


# --- Text the database can store ----------------------------------------------------------------


def is_storable(value: str) -> bool:
    """Whether PostgreSQL can store the text: no NUL character, no lone surrogate."""
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def printable(value: str) -> str:
    """Return the text with what cannot be stored or sent written as escapes (for messages)."""
    return value.replace("\x00", "\\x00").encode("utf-8", "backslashreplace").decode("utf-8")


class StorableCharField(serializers.CharField):
    """A CharField that refuses text PostgreSQL cannot store, with a field error."""

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        if not is_storable(value):
            raise serializers.ValidationError(str(UNSTORABLE_TEXT))
        return value


_TEXT_FIELDS = (
    serializers.CharField,
    serializers.ChoiceField,
    serializers.UUIDField,
    serializers.DateTimeField,
)


class StrictJSONSerializer(serializers.Serializer):
    """A serializer of a JSON body that takes each value only in its JSON type: text as a
    string (not `0`), a whole number as a number (not `"5"`), as the schema says."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict) and type(data) is dict:  # JSON, not a form's QueryDict
            errors: dict[str, list[str]] = {}
            for name, field in self.fields.items():
                value = data.get(name)
                if value is None or field.read_only:
                    continue
                if isinstance(field, serializers.IntegerField):
                    if isinstance(value, bool) or not isinstance(value, int):
                        errors[name] = [str(_("Enter a whole number."))]
                elif isinstance(field, _TEXT_FIELDS) and not isinstance(value, str):
                    errors[name] = [str(_("Enter text."))]
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)


# --- Parsing ------------------------------------------------------------------------------------


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = gettext_lazy("The request is too large.")
    default_code = "too_large"


def _path(parent: str, key: str | int) -> str:
    return f"{parent}.{key}" if parent else str(key)


def check_json(data: Any, *, max_depth: int) -> None:
    """Refuse JSON nested deeper than max_depth, or holding text the database cannot store.

    Walks the document without recursion; the error names the field (`<index>.<field>` inside
    a list), with any unstorable character of a key written as an escape.
    """
    stack: list[tuple[Any, int, str]] = [(data, 0, "")]
    while stack:
        value, depth, path = stack.pop()
        if isinstance(value, dict | list):
            if depth >= max_depth:
                raise exceptions.ParseError(_("JSON parse error: nested too deeply."))
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                if isinstance(key, str) and not is_storable(key):
                    raise exceptions.ParseError({printable(_path(path, key)): [UNSTORABLE_TEXT]})
                stack.append((item, depth + 1, _path(path, key)))
        elif isinstance(value, str) and not is_storable(value):
            field = path or api_settings.NON_FIELD_ERRORS_KEY
            raise exceptions.ParseError({field: [UNSTORABLE_TEXT]})


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


class StrictJSONParser(BaseParser):
    """JSON only, within the size and depth limits, and only text the database can store."""

    media_type = "application/json"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        limit = settings.API_MAX_BODY_BYTES
        request = (parser_context or {}).get("request")
        declared = request.META.get("CONTENT_LENGTH", "") if request is not None else ""
        if declared.isdigit() and int(declared) > limit:
            raise PayloadTooLarge()  # refused unread
        try:
            raw = stream.read(limit + 1)
        except RequestDataTooBig as error:
            raise PayloadTooLarge() from error
        if len(raw) > limit:
            raise PayloadTooLarge()
        try:
            text = raw.decode("utf-8")
            data = json.loads(text, parse_constant=_refuse_constant)
        except RecursionError as error:
            raise exceptions.ParseError(_("JSON parse error: nested too deeply.")) from error
        except ValueError as error:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
            message = _("JSON parse error: the body is not valid JSON.")
            raise exceptions.ParseError(message) from error
        check_json(data, max_depth=settings.API_MAX_JSON_DEPTH)
        return data


# --- Rendering and errors -----------------------------------------------------------------------


def _without_surrogates(value: Any) -> Any:
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, dict):
        return {_without_surrogates(k): _without_surrogates(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_without_surrogates(v) for v in value]
    return value


class SafeJSONRenderer(JSONRenderer):
    """DRF's JSON renderer, which also renders an answer echoing a lone surrogate (escaped)."""

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context=None):
        try:
            return super().render(data, accepted_media_type, renderer_context)
        except UnicodeEncodeError:
            return super().render(_without_surrogates(data), accepted_media_type, renderer_context)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Answer every error as JSON; field errors keep DRF's {field: [messages]} shape."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    elif isinstance(exc, TooManyFieldsSent):
        exc = exceptions.ParseError(_("The request has too many fields."))
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    from rest_framework.views import exception_handler as drf_exception_handler

    response = drf_exception_handler(exc, context)
    if response is None:
        logger.exception("Unhandled API error", exc_info=exc)
        return Response({"detail": _("Internal server error.")}, status=500)
    return response


# --- Rate limits --------------------------------------------------------------------------------


class ScopeRateThrottle(SimpleRateThrottle):
    """Requests per API client and scope, at the rate API_RATES gives the view's scope.

    Counted in Redis (the "throttle" cache) so that every worker sees the same count. A
    rate-limit store that is down lets requests through, logged: the API keeps working.
    """

    def __init__(self) -> None:  # the rate is read per request, so settings can change it
        pass

    @property
    def cache(self):  # type: ignore[override]
        return caches["throttle"]

    @staticmethod
    def scope_of(view: Any) -> str:
        return str(getattr(view, "required_scope", None) or "default")

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        client = request.auth
        if not isinstance(client, ApiClient):
            return None
        # The token prefix is random per client, so counts never collide across databases.
        return f"{self.scope_of(view)}:{client.token_prefix}"

    def allow_request(self, request: Request, view: Any) -> bool:
        rates = settings.API_RATES
        self.rate = rates.get(self.scope_of(view)) or rates["default"]
        self.num_requests, self.duration = self.parse_rate(self.rate)
        try:
            return super().allow_request(request, view)
        except Exception:  # Redis down: the API keeps working, unthrottled, and says so
            logger.exception("Rate limit store unavailable; request let through")
            return True


# --- Idempotency keys ---------------------------------------------------------------------------


class IdempotencyKeyReused(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("This Idempotency-Key was used for another request.")
    default_code = "idempotency_key_reused"


def idempotent(request: Request, endpoint: str, handle: Callable[[], Response]) -> Response:
    """Run `handle` once per `Idempotency-Key` of the client; a retry gets the first answer.

    Without the header the request is simply handled. The key is taken in the same transaction
    as the request's effect, so a retry that arrives while the first is running waits for it and
    then answers as it did; a request that failed (4xx) keeps no key and may be sent again.
    """
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        return handle()
    if not _IDEMPOTENCY_KEY.match(key):
        raise exceptions.ValidationError(
            {IDEMPOTENCY_HEADER: [_("Use 1–100 printable ASCII characters.")]}
        )
    client: ApiClient = request.auth
    body = json.dumps(request.data, sort_keys=True, cls=encoders.JSONEncoder)
    fingerprint = hashlib.sha256(f"{endpoint}\n{body}".encode()).hexdigest()
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    client=client, key=key, endpoint=endpoint, fingerprint=fingerprint
                )
        except IntegrityError:
            # The first request with this key has committed (the insert waited for it).
            earlier = IdempotencyRecord.objects.get(client=client, key=key)
            if earlier.fingerprint != fingerprint or earlier.status is None:
                raise IdempotencyKeyReused() from None
            return Response(earlier.body, status=earlier.status)
        response = handle()
        if status.is_success(response.status_code):
            record.status = response.status_code
            record.body = json.loads(json.dumps(response.data, cls=encoders.JSONEncoder))
            record.save(update_fields=["status", "body"])
        else:
            record.delete()
    return response


# --- Schema access ------------------------------------------------------------------------------


class SchemaAccess(BasePermission):
    """The schema and Swagger UI: open where API_SCHEMA_PUBLIC says so (development), else only
    to a signed-in staff user who has passed the second factor."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if settings.API_SCHEMA_PUBLIC:
            return True
        user = getattr(request._request, "user", None)
        return bool(
            user is not None
            and user.is_authenticated
            and user.is_active
            and user.is_staff
            and user.is_verified()
        )


# --- Documented errors --------------------------------------------------------------------------

ERROR_RESPONSES = {
    400: "The body is not valid: field errors (`{field: [messages]}`, a list's items keyed "
    "`<index>.<field>`), or `{detail}` for JSON that cannot be parsed, is nested deeper than "
    "API_MAX_JSON_DEPTH, or holds a NUL or a lone surrogate.",
    401: "No token, or a token that is unknown or revoked.",
    403: "The token lacks the scope this endpoint needs.",
    409: "A conflict with what is stored (see the operation), or an Idempotency-Key reused "
    "for another request.",
    413: "The body is over API_MAX_BODY_BYTES.",
    415: "The body is not in a media type this endpoint accepts.",
    429: "Over the rate limit of this client and scope; retry after `Retry-After` seconds.",
}


class ErrorDetailSerializer(serializers.Serializer):
    """An error about the request as a whole (the ErrorDetail component)."""

    detail = serializers.CharField()


def document_errors(result: dict, generator: Any, request: Any, public: bool) -> dict:
    """drf-spectacular postprocessing hook: add the common error answers to every operation."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["ErrorDetail"] = {
        "type": "object",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    }
    schemas["FieldErrors"] = {
        "type": "object",
        "description": "Messages per field; `non_field_errors` for the request as a whole.",
        "additionalProperties": {"type": "array", "items": {"type": "string"}},
    }
    detail = {"$ref": "#/components/schemas/ErrorDetail"}
    either = {"anyOf": [{"$ref": "#/components/schemas/FieldErrors"}, detail]}
    for path in result.get("paths", {}).values():
        for operation in path.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            for code, description in ERROR_RESPONSES.items():
                if str(code) in responses:
                    continue
                body = either if code in (400, 409) else detail
                answer: dict[str, Any] = {
                    "description": description,
                    "content": {"application/json": {"schema": body}},
                }
                if code == 429:
                    answer["headers"] = {
                        "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds."}
                    }
                responses[str(code)] = answer
    return result
