"""The website's API for consents: a person gives or withdraws one through a link the register
signed for them (an unsubscribe link, say; customers.tokens), and a visitor gives or withdraws
their analytics consent under the visitor id the website sends with their visits. Idempotent by
nature: a repeat records nothing and answers 200 with the state."""

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
from consents.analytics import analytics_consent_give, analytics_consent_withdraw
from consents.models import API_CHANNELS, Channel, ConsentAction, ConsentPurpose, ConsentWording
from consents.services import consent_give, consent_withdraw
from customers.tokens import PersonTokenField
from privacy.restriction import ProcessingRestricted


def refused_while_restricted() -> Response:
    """409: a give widens processing, refused while the person's processing is restricted."""
    return Response(
        {
            "detail": _(
                "Processing of this person's data is restricted; the consent was not recorded."
            )
        },
        status=status.HTTP_409_CONFLICT,
    )


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
            return refused_while_restricted()
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


# --- The website's analytics consent --------------------------------------------------------------


class AnalyticsConsentRequestSerializer(StrictJSONSerializer):
    visitor_id = serializers.UUIDField(
        help_text="A random id the website keeps in the visitor's browser and sends with each "
        "of their visits."
    )
    action = serializers.ChoiceField(choices=ConsentAction.choices)
    banner_version = serializers.RegexField(
        r"^[\x21-\x7e]{1,50}$",
        max_length=50,
        required=False,
        help_text="With give: the version of the consent text the visitor accepted.",
    )
    person_token = PersonTokenField(
        purpose=Scope.VISITS,
        required=False,
        help_text="With give, for a signed-in visitor: their token, purpose `visits`.",
    )

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if data["action"] == ConsentAction.GIVE:
            if not data.get("banner_version"):
                raise serializers.ValidationError(
                    {"banner_version": [_("Give the version of the consent text.")]}
                )
        else:
            for field in ("banner_version", "person_token"):
                if field in data:
                    raise serializers.ValidationError(
                        {field: [_("This field goes only with give.")]}
                    )
        return data


class AnalyticsConsentStateSerializer(serializers.Serializer):
    visitor_id = serializers.UUIDField()
    given = serializers.BooleanField(help_text="Whether the consent is in force now.")
    since = serializers.DateTimeField(
        allow_null=True, help_text="When it was given or, if withdrawn, withdrawn."
    )
    recorded = serializers.BooleanField(help_text="Whether this request changed anything.")
    visits_deleted = serializers.IntegerField(
        help_text="Visits the withdrawal deleted (0 for a give)."
    )


class AnalyticsConsentIntake(APIView):
    """Record a website visitor's analytics consent given or withdrawn."""

    required_scope = Scope.VISITS
    permission_classes = [HasScope]

    @extend_schema(
        summary="Give or withdraw a visitor's analytics consent",
        description=(
            "The website records here the visitor's answer to its analytics consent, under "
            "the `visitor_id` it then sends with each visit: visits are stored only under a "
            "consent in force. `give` needs `banner_version` (the consent text accepted) and, "
            "for a signed-in visitor, may carry their `person_token` (purpose `visits`). "
            "`withdraw` ends the consent at once and deletes every visit collected under it. "
            "Idempotent: a give while the consent is in force, or a withdraw while it is not, "
            "records nothing and answers 200 with the state; a change answers 201. While a "
            "signed-in visitor's processing is restricted a give is refused with 409."
        ),
        request=AnalyticsConsentRequestSerializer,
        responses={201: AnalyticsConsentStateSerializer, 200: AnalyticsConsentStateSerializer},
    )
    def post(self, request: Request) -> Response:
        incoming = AnalyticsConsentRequestSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        visitor_id = data["visitor_id"]
        if data["action"] == ConsentAction.GIVE:
            try:
                change = analytics_consent_give(
                    visitor_id=visitor_id,
                    banner_version=data["banner_version"],
                    customer=data.get("person_token"),
                    by=request.auth,
                )
            except ProcessingRestricted:
                return refused_while_restricted()
        else:
            change = analytics_consent_withdraw(visitor_id=visitor_id, by=request.auth)
        consent = change.consent
        given = consent is not None and consent.is_in_force
        since = None
        if consent is not None:
            since = consent.given_at if given else consent.withdrawn_at
        body = AnalyticsConsentStateSerializer(
            {
                "visitor_id": visitor_id,
                "given": given,
                "since": since,
                "recorded": change.recorded,
                "visits_deleted": (consent.visits_deleted or 0)
                if change.recorded and not given
                else 0,
            }
        ).data
        return Response(
            body, status=status.HTTP_201_CREATED if change.recorded else status.HTTP_200_OK
        )
