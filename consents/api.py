"""The website's API for consents: a person gives or withdraws one through a link the register
signed for them (an unsubscribe link, say; customers.tokens). Idempotent by nature: a repeat
records nothing and answers 200 with the state."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api_base import StrictJSONSerializer
from accounts.authentication import HasScope
from accounts.models import Scope
from consents.models import API_CHANNELS, Channel, ConsentAction, ConsentPurpose, ConsentWording
from consents.services import consent_give, consent_withdraw
from customers.tokens import PersonTokenField
from privacy.restriction import ProcessingRestricted


class ConsentRequestSerializer(StrictJSONSerializer):
    person_token = PersonTokenField(purpose=Scope.CONSENTS)
    purpose = serializers.SlugField(
        max_length=50, help_text="The purpose's code, e.g. email-marketing."
    )
    action = serializers.ChoiceField(choices=ConsentAction.choices)
    channel = serializers.ChoiceField(
        choices=[(c.value, c.label) for c in API_CHANNELS], default=Channel.WEB
    )
    wording_version = serializers.IntegerField(
        min_value=1,
        required=False,
        help_text="The wording the person saw when giving consent; the current one if left out.",
    )
    evidence = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text="A reference, e.g. the form submission's id.",
    )

    def validate_purpose(self, value: str) -> ConsentPurpose:
        purpose = ConsentPurpose.objects.active().filter(code=value, requires_consent=True).first()
        if purpose is None:
            raise serializers.ValidationError(_("No such purpose asks for consent."))
        return purpose

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        version = data.get("wording_version")
        if version is not None:
            if data["action"] != ConsentAction.GIVE:
                raise serializers.ValidationError(
                    {"wording_version": [_("A wording version goes only with give.")]}
                )
            wording = ConsentWording.objects.filter(
                purpose=data["purpose"], version=version
            ).first()
            if wording is None:
                raise serializers.ValidationError(
                    {"wording_version": [_("No such wording for this purpose.")]}
                )
            data["wording"] = wording
        return data


class ConsentStateSerializer(serializers.Serializer):
    purpose = serializers.CharField()
    given = serializers.BooleanField(help_text="Whether consent is in force now.")
    wording_version = serializers.IntegerField(allow_null=True)
    since = serializers.DateTimeField(allow_null=True)
    recorded = serializers.BooleanField(help_text="Whether this request recorded a new event.")


class ConsentIntake(APIView):
    """Record a consent given or withdrawn on the website."""

    required_scope = Scope.CONSENTS
    permission_classes = [HasScope]

    @extend_schema(
        summary="Give or withdraw a consent",
        description=(
            "For the person of a token the register issued (`person_token`, purpose "
            "`consents`) and a purpose that asks for consent. Idempotent: giving a "
            "consent already in force for the same wording, or withdrawing one not in force, "
            "records nothing and answers 200 with the current state; a new event answers 201. "
            "A withdrawal ends consent at once. While the person's processing is restricted a "
            "give is refused with 409."
        ),
        request=ConsentRequestSerializer,
        responses={201: ConsentStateSerializer, 200: ConsentStateSerializer},
    )
    def post(self, request: Request) -> Response:
        incoming = ConsentRequestSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        customer, purpose = data["person_token"], data["purpose"]
        try:
            if data["action"] == ConsentAction.GIVE:
                change = consent_give(
                    customer=customer,
                    purpose=purpose,
                    channel=data["channel"],
                    evidence=data["evidence"],
                    wording=data.get("wording"),
                    by=request.auth,
                )
            else:
                change = consent_withdraw(
                    customer=customer,
                    purpose=purpose,
                    channel=data["channel"],
                    evidence=data["evidence"],
                    by=request.auth,
                )
        except ProcessingRestricted:
            return Response(
                {
                    "detail": _(
                        "Processing of this person's data is restricted; the consent was not "
                        "recorded."
                    )
                },
                status=status.HTTP_409_CONFLICT,
            )
        except DjangoValidationError as error:
            return Response(error.message_dict, status=status.HTTP_400_BAD_REQUEST)
        state = change.state
        body = ConsentStateSerializer(
            {
                "purpose": purpose.code,
                "given": change.given,
                "wording_version": state.wording.version if state else None,
                "since": state.changed_at if state else None,
                "recorded": change.recorded,
            }
        ).data
        return Response(
            body, status=status.HTTP_201_CREATED if change.recorded else status.HTTP_200_OK
        )
