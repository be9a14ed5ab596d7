"""The website's request form: `POST /api/v1/requests/` (scope `requests`).

Only the form's fields are accepted (an unknown field is a field error); an `Idempotency-Key`
header makes a retried post return the request the first one made instead of a second one.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api_base import StorableCharField, StrictJSONSerializer
from accounts.authentication import HasScope
from accounts.models import Scope
from customers.models import Customer, is_valid_customer_number
from dsar.models import Channel, DataSubjectRequest, Language, RequestType
from dsar.services import register_request

MAX_TEXT = 5_000
# Printable ASCII without spaces, as clients generate them (UUIDs, ULIDs, random tokens).
_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{8,100}$")


class RequestIntakeSerializer(StrictJSONSerializer):
    types = serializers.ListField(
        child=serializers.ChoiceField(choices=RequestType.choices),
        min_length=1,
        max_length=len(RequestType.values),
        help_text="What the person asks; one or more.",
    )
    requester_name = StorableCharField(max_length=200)
    requester_address = StorableCharField(
        max_length=500, required=False, allow_blank=True, default=""
    )
    requester_email = serializers.EmailField(
        max_length=254, required=False, allow_blank=True, default=""
    )
    requester_phone = StorableCharField(max_length=40, required=False, allow_blank=True, default="")
    request_text = StorableCharField(
        max_length=MAX_TEXT, help_text="What the person asked, in their own words."
    )
    language = serializers.ChoiceField(choices=Language.choices, default=Language.FINNISH)
    customer_number = serializers.CharField(
        max_length=12,
        required=False,
        allow_blank=True,
        default="",
        help_text="The signed-in customer's number; the privacy officer still verifies them.",
    )

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if isinstance(data, dict):
            unknown = set(data) - set(self.fields)
            if unknown:
                raise serializers.ValidationError(
                    {str(name)[:50]: [_("Unknown field.")] for name in sorted(map(str, unknown))}
                )
        return super().to_internal_value(data)

    def validate_types(self, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise serializers.ValidationError(_("Each type once."))
        return value

    def validate_customer_number(self, value: str) -> Customer | None:
        value = value.strip()
        if not value:
            return None
        # A malformed number and one nobody has get the same answer, so that the form cannot
        # be used to find out who is in the register.
        customer = (
            Customer.objects.filter(customer_number=value).first()
            if is_valid_customer_number(value)
            else None
        )
        if customer is None:
            raise serializers.ValidationError(_("Invalid customer number."))
        return customer


def _answer(dsar: DataSubjectRequest) -> dict[str, Any]:
    return {"reference": dsar.reference, "received_on": dsar.received_on, "due_on": dsar.due_on}


class RequestIntake(APIView):
    """Receive a written request from the website's form."""

    required_scope = Scope.REQUESTS
    permission_classes = [HasScope]

    @extend_schema(
        summary="Send a written data-subject request",
        description=(
            "A request made with the website's form (notice §12): what is asked, the requester "
            "as they wrote it and the request in their own words. It is registered as received "
            "today and answered within one month (GDPR Art. 12(3)); the privacy officer "
            "verifies the requester's identity first. Send an `Idempotency-Key` header (8-100 "
            "printable characters, a UUID say): a retry with the same key returns the request "
            "the first post made (200) instead of making another (201). Unknown fields are "
            "refused with field errors."
        ),
        parameters=[
            OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=True)
        ],
        request=RequestIntakeSerializer,
        responses={
            201: inline_serializer(
                "RequestRegistered",
                {
                    "reference": serializers.CharField(),
                    "received_on": serializers.DateField(),
                    "due_on": serializers.DateField(),
                },
            ),
            200: inline_serializer(
                "RequestAlreadyRegistered",
                {
                    "reference": serializers.CharField(),
                    "received_on": serializers.DateField(),
                    "due_on": serializers.DateField(),
                },
            ),
        },
        examples=[
            OpenApiExample(
                "Access request",
                value={
                    "types": ["access"],
                    "requester_name": "Maija Meikäläinen",
                    "requester_email": "maija@example.fi",
                    "request_text": "Haluan tarkastaa tietoni.",
                },
                request_only=True,
            )
        ],
    )
    def post(self, request: Request) -> Response:
        key = request.headers.get("Idempotency-Key", "")
        if not _IDEMPOTENCY_KEY.match(key):
            return Response(
                {"Idempotency-Key": [_("Send an Idempotency-Key header of 8-100 characters.")]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        previous = DataSubjectRequest.objects.filter(
            registered_by_client=request.auth, idempotency_key=key
        ).first()
        if previous is not None:
            return Response(_answer(previous), status=status.HTTP_200_OK)
        incoming = RequestIntakeSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        try:
            registered = register_request(
                types=data["types"],
                channel=Channel.WEBSITE,
                language=data["language"],
                requester_name=data["requester_name"],
                requester_address=data["requester_address"],
                requester_email=data["requester_email"],
                requester_phone=data["requester_phone"],
                request_text=data["request_text"],
                customer=data["customer_number"],
                received_on=timezone.localdate(),
                idempotency_key=key,
                by=request.auth,
            )
        except DjangoValidationError as error:
            return Response(error.message_dict, status=status.HTTP_400_BAD_REQUEST)
        return Response(
            _answer(registered.request),
            status=status.HTTP_201_CREATED if registered.created else status.HTTP_200_OK,
        )
