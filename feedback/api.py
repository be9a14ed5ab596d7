"""The website's and the SMS gateway's API: feedback, website visits and survey answers.

Every malformed request is answered 400 with field messages (the parser, the rate limit and the
JSON errors are every endpoint's, accounts.api_base), never 500: wrong types, missing fields,
too large batches. A person is named only by a token the register issued (customers.tokens).
"""

from __future__ import annotations

import ipaddress
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    inline_serializer,
)
from phonenumber_field.serializerfields import PhoneNumberField
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api_base import (
    IDEMPOTENCY_HEADER,
    ErrorDetailSerializer,
    StorableCharField,
    StrictJSONSerializer,
    idempotent,
    is_storable,
    printable,
)
from accounts.authentication import HasScope
from accounts.models import Scope
from customers.models import Customer
from customers.tokens import (
    INVALID_TOKEN,
    MAX_TOKEN_LENGTH,
    PersonTokenField,
    customer_id_from_token,
)
from feedback.models import (
    API_CHANNELS,
    RATING_MAX,
    RATING_MIN,
    FeedbackChannel,
    Topic,
    WebsiteVisit,
)
from feedback.services import (
    AnswerRefused,
    feedback_record,
    survey_answer_receive,
    visits_store,
)

MAX_TEXT = 5_000
# A visit may be reported this late (the website batches), and not from the future.
VISIT_MAX_AGE = timedelta(days=7)
CLOCK_SKEW = timedelta(minutes=5)
ANSWER_MAX_AGE = timedelta(days=30)
IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    IDEMPOTENCY_HEADER,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "Optional, 1–100 printable ASCII characters chosen by the client per request: a retry "
        "with the same key and body within 24 hours does nothing more and gets the first "
        "answer; the same key with another body answers 409."
    ),
    pattern=r"^[\x21-\x7e]{1,100}$",
)


# --- Feedback -----------------------------------------------------------------------------------


class FeedbackIntakeSerializer(StrictJSONSerializer):
    person_token = PersonTokenField(
        purpose=Scope.FEEDBACK,
        required=False,
        allow_blank=True,
        allow_null=True,
        default=None,
        help_text="The person's token (purpose `feedback`) issued by the register; left out "
        "when anonymous.",
    )
    channel = serializers.ChoiceField(
        choices=[(c.value, c.label) for c in API_CHANNELS], default=FeedbackChannel.WEB_FORM
    )
    topic = serializers.ChoiceField(choices=Topic.choices)
    text = StorableCharField(max_length=MAX_TEXT, required=False, allow_blank=True, default="")
    rating = serializers.IntegerField(
        min_value=RATING_MIN, max_value=RATING_MAX, required=False, allow_null=True, default=None
    )

    def validate_person_token(self, value: Any) -> Any:
        return value or None

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if not data["text"].strip() and data["rating"] is None:
            raise serializers.ValidationError({"text": [_("Write the feedback or give a rating.")]})
        return data


class FeedbackIntake(APIView):
    """Receive feedback from the website's form."""

    required_scope = Scope.FEEDBACK
    permission_classes = [HasScope]

    @extend_schema(
        summary="Send feedback",
        description=(
            "Feedback from the website: anonymous, or for the person of a token the register "
            "issued (`person_token`). A topic, and the text or a rating from 1 to 5 or both. "
            "Feedback is kept 5 years. Rate-limited per API client (429 with Retry-After). "
            "With an `Idempotency-Key` header a retry stores nothing more and gets the first "
            "answer (for 24 hours)."
        ),
        request=FeedbackIntakeSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={
            201: inline_serializer(
                "FeedbackReceived",
                {"id": serializers.IntegerField(), "received_at": serializers.DateTimeField()},
            )
        },
    )
    def post(self, request: Request) -> Response:
        return idempotent(request, "feedback", lambda: self.record(request))

    def record(self, request: Request) -> Response:
        incoming = FeedbackIntakeSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        try:
            feedback = feedback_record(
                customer=data["person_token"],
                channel=data["channel"],
                topic=data["topic"],
                text=data["text"],
                rating=data["rating"],
                by=request.auth,
            )
        except DjangoValidationError as error:
            return Response(error.message_dict, status=status.HTTP_400_BAD_REQUEST)
        return Response(
            {"id": feedback.pk, "received_at": feedback.received_at},
            status=status.HTTP_201_CREATED,
        )


# --- Website visits -----------------------------------------------------------------------------

# A BCP 47 language tag as browsers send it (fi, fi-FI, sv-FI, zh-Hant-TW).
_LANGUAGE = re.compile(r"^[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8}){0,4}$")
# A browser's name (and major version) as the website reports it: "Firefox", "Chrome 130".
_BROWSER = re.compile(r"^[\w .()/+-]{1,50}$")
_RESOLUTION = re.compile(r"^([1-9][0-9]{1,4})x([1-9][0-9]{1,4})$")
VISIT_FIELDS = (
    "ip_address",
    "language",
    "browser",
    "screen_resolution",
    "visited_at",
    "visitor_id",
    "person_token",
)


def _aware_datetime(value: str) -> datetime | None:
    """Return the ISO 8601 time with its offset, in UTC; None when it is not one."""
    try:
        moment = parse_datetime(value)
        if moment is None or timezone.is_naive(moment):
            return None
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def _visitor_id(value: Any) -> uuid.UUID | None:
    """Return the visitor id (a UUID the website keeps in the visitor's browser); None when
    the value is not one."""
    if not isinstance(value, str) or len(value) > 36:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


class VisitBatch:
    """Validate visits without a serializer per row: a batch of 500 is checked in a few
    milliseconds, and its customers are found with one query."""

    def __init__(self, payload: Any, *, now: datetime) -> None:
        self.now = now
        self.errors: dict[str, list[str]] = {}
        self.rows: list[dict[str, Any]] = []
        if isinstance(payload, dict):
            items, self.prefix = [payload], ""
        elif isinstance(payload, list):
            items, self.prefix = payload, None
        else:
            self.errors["non_field_errors"] = [_("Send one visit as an object or a list of them.")]
            return
        if not items:
            self.errors["non_field_errors"] = [_("The list of visits is empty.")]
            return
        if len(items) > settings.WEBSITE_VISIT_BATCH_MAX:
            self.errors["non_field_errors"] = [
                _("At most {count} visits in one request.").format(
                    count=settings.WEBSITE_VISIT_BATCH_MAX
                )
            ]
            return
        for index, item in enumerate(items):
            self._check(index, item)

    def _error(self, index: int, field: str, message: str) -> None:
        key = field if self.prefix is not None else f"{index}.{field}"
        self.errors.setdefault(key, []).append(message)

    def _text(self, index: int, item: dict, field: str, pattern: re.Pattern) -> str:
        value = item.get(field, "")
        if value is None or value == "":
            return ""
        if not isinstance(value, str) or not is_storable(value) or not pattern.match(value):
            self._error(index, field, _("Enter a valid value."))
            return ""
        limit = WebsiteVisit._meta.get_field(field).max_length
        if len(value) > limit:
            self._error(index, field, _("At most {count} characters.").format(count=limit))
            return ""
        return value

    def _check(self, index: int, item: Any) -> None:
        if not isinstance(item, dict):
            self._error(index, "non_field_errors", _("A visit is an object."))
            return
        for unknown in sorted(item.keys() - VISIT_FIELDS):
            self._error(index, printable(str(unknown)[:50]), _("Unknown field."))
        ip = item.get("ip_address")
        address = ""
        if not isinstance(ip, str) or not ip:
            self._error(index, "ip_address", _("This field is required."))
        else:
            try:
                parsed = ipaddress.ip_address(ip)
            except ValueError:
                parsed = None
            # A scoped IPv6 address (fe80::1%eth0) names a host's interface: PostgreSQL's inet
            # cannot store it, and a website visitor never has one.
            if parsed is None or getattr(parsed, "scope_id", None) is not None:
                self._error(index, "ip_address", _("Enter a valid IPv4 or IPv6 address."))
            else:
                address = str(parsed)
        visited = item.get("visited_at")
        moment = None
        if not isinstance(visited, str) or not visited:
            self._error(index, "visited_at", _("This field is required."))
        else:
            moment = _aware_datetime(visited)
            if moment is None:
                self._error(index, "visited_at", _("Give the time in ISO 8601 with an offset."))
            elif not self.now - VISIT_MAX_AGE <= moment <= self.now + CLOCK_SKEW:
                self._error(index, "visited_at", _("The time is not within the last 7 days."))
                moment = None
        resolution = self._text(index, item, "screen_resolution", _RESOLUTION)
        visitor_id = _visitor_id(item.get("visitor_id"))
        if visitor_id is None:
            self._error(index, "visitor_id", _("Give the visitor id (a UUID)."))
        token = item.get("person_token")
        customer_id = None
        if token is not None and token != "":
            if isinstance(token, str):
                customer_id = customer_id_from_token(token, purpose=Scope.VISITS)
            if customer_id is None:
                self._error(index, "person_token", str(INVALID_TOKEN))
        row = {
            "ip_address": address,
            "language": self._text(index, item, "language", _LANGUAGE),
            "browser": self._text(index, item, "browser", _BROWSER),
            "screen_resolution": resolution,
            "visited_at": moment,
            "visitor_id": visitor_id,
            "customer_id": customer_id,
        }
        self.rows.append(row)

    def is_valid(self) -> bool:
        return not self.errors

    def resolve_customers(self) -> None:
        """Check, in one query, that the tokens' people are in the register; a person who is
        not gets the same error as a bad token."""
        ids = {row["customer_id"] for row in self.rows if row["customer_id"] is not None}
        if not ids:
            return
        known = set(Customer.objects.filter(pk__in=ids).values_list("pk", flat=True))
        for index, row in enumerate(self.rows):
            if row["customer_id"] is not None and row["customer_id"] not in known:
                self._error(index, "person_token", str(INVALID_TOKEN))


def _optional_text(pattern: re.Pattern, max_length: int) -> dict[str, Any]:
    return {
        "type": "string",
        "nullable": True,
        "maxLength": max_length,
        "pattern": f"^$|{pattern.pattern}",  # empty is the same as left out
    }


# The schema of a visit (VisitBatch validates; this documents): one object, or a list of them.
WEBSITE_VISIT_SCHEMA = {
    "type": "object",
    "properties": {
        "ip_address": {
            "type": "string",
            "description": "IPv4 or IPv6, without a zone (no `%eth0`).",
            "anyOf": [{"format": "ipv4"}, {"format": "ipv6"}],
        },
        "visited_at": {
            "type": "string",
            "format": "date-time",
            "description": "ISO 8601 with an offset, within the last 7 days.",
        },
        "language": _optional_text(_LANGUAGE, 35),
        "browser": _optional_text(_BROWSER, 50),
        "screen_resolution": _optional_text(_RESOLUTION, 11),
        "visitor_id": {
            "type": "string",
            "format": "uuid",
            "description": "The visitor id under which the visitor's analytics consent was "
            "recorded (POST /api/v1/visits/consent/).",
        },
        "person_token": {"type": "string", "nullable": True, "maxLength": MAX_TOKEN_LENGTH},
    },
    "required": ["ip_address", "visited_at", "visitor_id"],
    "additionalProperties": False,
}
WEBSITE_VISITS_SCHEMA = {
    "oneOf": [
        WEBSITE_VISIT_SCHEMA,
        {
            "type": "array",
            "items": WEBSITE_VISIT_SCHEMA,
            "minItems": 1,
            "maxItems": settings.WEBSITE_VISIT_BATCH_MAX,
        },
    ]
}


class VisitIntake(APIView):
    """Receive website visits, one or a batch."""

    required_scope = Scope.VISITS
    permission_classes = [HasScope]

    @extend_schema(
        summary="Report website visits",
        description=(
            "One visit as an object, or up to WEBSITE_VISIT_BATCH_MAX (500) as a list: "
            "`ip_address` (IPv4 or IPv6), `visited_at` (ISO 8601 with an offset, within the "
            "last 7 days), `visitor_id` (the UUID under which the visitor's analytics consent "
            "was recorded), and optionally `language` (a BCP 47 tag), `browser` (its name), "
            "`screen_resolution` (`1920x1080`) and `person_token` (a signed-in visitor's token, "
            "purpose `visits`, issued by the register). With an `Idempotency-Key` header a "
            "retry stores nothing more and gets the first answer. "
            "Only visits of visitors whose analytics consent is in force are stored, each under "
            "that consent; the others are left out and counted in `ignored`. Withdrawing the "
            "consent deletes the visits stored under it. Field errors of a list are keyed "
            "`<index>.<field>`; nothing of a refused batch is stored. "
            "Visits are deleted after WEBSITE_VISIT_RETENTION_DAYS (90)."
        ),
        request={"application/json": WEBSITE_VISITS_SCHEMA},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={
            201: inline_serializer(
                "VisitsStored",
                {
                    "stored": serializers.IntegerField(),
                    "ignored": serializers.IntegerField(
                        help_text="Visits left out: the visitor's analytics consent is not in "
                        "force."
                    ),
                },
            )
        },
        examples=[
            OpenApiExample(
                "One visit",
                value={
                    "ip_address": "192.0.2.10",
                    "visited_at": "2026-11-25T09:05:00+02:00",
                    "visitor_id": "0b6f1c4e-8d2a-4f3b-9c1d-2e5a7b8c9d0e",
                    "language": "fi-FI",
                    "browser": "Firefox",
                    "screen_resolution": "1920x1080",
                },
                request_only=True,
            )
        ],
    )
    def post(self, request: Request) -> Response:
        return idempotent(request, "visits", lambda: self.store(request))

    def store(self, request: Request) -> Response:
        batch = VisitBatch(request.data, now=timezone.now())
        if batch.is_valid():
            batch.resolve_customers()
        if not batch.is_valid():
            return Response(batch.errors, status=status.HTTP_400_BAD_REQUEST)
        result = visits_store(rows=batch.rows, by=request.auth)
        return Response(
            {"stored": result.stored, "ignored": result.ignored}, status=status.HTTP_201_CREATED
        )


# --- Survey answers -----------------------------------------------------------------------------


class SurveyAnswerSerializer(StrictJSONSerializer):
    message_id = serializers.RegexField(
        r"^[\w.:@/+=-]+$",
        max_length=100,
        help_text="The gateway's id of the incoming message; a redelivery sends the same id.",
    )
    sender = PhoneNumberField(help_text="The number the answer came from, any notation.")
    text = StorableCharField(max_length=1_000, allow_blank=True, trim_whitespace=True)
    reference = serializers.UUIDField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The invitation's reference, when the gateway echoes it.",
    )
    received_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="When the gateway received it: ISO 8601 with an offset, within the last 30 "
        "days; now when left out.",
    )

    def validate_received_at(self, value: datetime | None) -> datetime | None:
        now = timezone.now()
        if value is not None and not now - ANSWER_MAX_AGE <= value <= now + CLOCK_SKEW:
            raise serializers.ValidationError(_("The time is not within the last 30 days."))
        return value


SURVEY_ANSWER_STORED = inline_serializer(
    "SurveyAnswerStored",
    {
        "feedback_id": serializers.IntegerField(),
        "rating": serializers.IntegerField(allow_null=True, min_value=1, max_value=5),
    },
)

REFUSAL_STATUS = {
    "invalid": status.HTTP_400_BAD_REQUEST,
    "not_found": status.HTTP_404_NOT_FOUND,
    "answered": status.HTTP_409_CONFLICT,
    "expired": status.HTTP_410_GONE,
}


class SurveyAnswerIntake(APIView):
    """Receive an SMS survey answer from the gateway."""

    required_scope = Scope.SURVEYS
    permission_classes = [HasScope]

    @extend_schema(
        summary="Deliver a survey answer",
        description=(
            "An answer to an SMS survey invitation becomes feedback linked to the call: a "
            "leading 1–5 is the rating, the words after it the text. Idempotent on "
            "`message_id`: a redelivery answers 200 with what the first made. 404 when no "
            "survey was sent to the number, 409 when it was already answered, 410 when it has "
            "expired (invitations can be answered 7 days)."
        ),
        request=SurveyAnswerSerializer,
        responses={
            201: SURVEY_ANSWER_STORED,
            200: SURVEY_ANSWER_STORED,
            404: ErrorDetailSerializer,
            410: ErrorDetailSerializer,
        },
    )
    def post(self, request: Request) -> Response:
        incoming = SurveyAnswerSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        try:
            result = survey_answer_receive(
                message_id=data["message_id"],
                sender=data["sender"].as_e164,
                text=data["text"],
                reference=str(data["reference"]) if data["reference"] else "",
                received_at=data["received_at"],
                by=request.auth,
            )
        except AnswerRefused as refusal:
            field = "text" if refusal.code == "invalid" else "detail"
            body = {field: [refusal.message]} if field == "text" else {field: refusal.message}
            return Response(body, status=REFUSAL_STATUS[refusal.code])
        return Response(
            {"feedback_id": result.feedback.pk, "rating": result.feedback.rating},
            status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK,
        )
