"""The telephony system's API: one endpoint that receives a call's metadata and audio."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from phonenumber_field.serializerfields import PhoneNumberField
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import HasScope
from accounts.models import Scope
from calls.models import CallRecording, Direction
from calls.personal_data import RECORDINGS_30_DAYS
from calls.services import RecordingConflict, detect_audio_type, recording_receive

# Telephony clocks drift a little; a call cannot start later than this after we hear of it.
CLOCK_SKEW = timedelta(minutes=5)
# Multipart overhead allowed on top of the audio before the body is refused unread.
FORM_OVERHEAD = 1024 * 1024


def _too_large() -> str:
    return _("The file is too large: at most %(size)s.") % {
        "size": filesizeformat(settings.CALL_RECORDING_MAX_BYTES)
    }


class CallRecordingIntakeSerializer(serializers.Serializer):
    call_id = serializers.RegexField(
        r"^[\w.:@/+-]+$",
        max_length=100,
        help_text="The telephony system's unique id of the call; a retry sends the same id.",
    )
    caller_number = PhoneNumberField(
        required=False,
        allow_blank=True,
        default="",
        help_text="The customer's number, any format; blank when withheld.",
    )
    agent = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    queue = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    direction = serializers.ChoiceField(choices=Direction.choices, default=Direction.INBOUND)
    started_at = serializers.DateTimeField(
        help_text="ISO 8601 with a UTC offset; within the last 30 days (the recordings' "
        "retention period) and not more than 5 minutes in the future."
    )
    duration_seconds = serializers.IntegerField(min_value=0, max_value=24 * 3600)
    audio = serializers.FileField(
        allow_empty_file=False, help_text="The recording; its type is told by its content."
    )

    def validate_started_at(self, value):
        now = timezone.now()
        if value > now + CLOCK_SKEW:
            raise serializers.ValidationError(_("The call cannot start in the future."))
        if value <= RECORDINGS_30_DAYS.cutoff(now):
            raise serializers.ValidationError(
                _("The call is older than the retention period; it may not be stored.")
            )
        return value

    def validate_audio(self, value):
        if value.size > settings.CALL_RECORDING_MAX_BYTES:
            raise serializers.ValidationError(_too_large())
        audio_type = detect_audio_type(value)
        if audio_type is None:
            supported = "WAV, MP3, Ogg, FLAC, M4A, AAC, AMR"
            raise serializers.ValidationError(
                _("The file is not a supported audio recording (%(types)s).") % {"types": supported}
            )
        self.audio_type = audio_type
        return value


class CallRecordingSerializer(serializers.ModelSerializer):
    customer_matched = serializers.SerializerMethodField()

    class Meta:
        model = CallRecording
        fields = [
            "id",
            "call_id",
            "customer_matched",
            "started_at",
            "duration_seconds",
            "expires_at",
            "content_type",
            "size",
            "sha256",
        ]

    def get_customer_matched(self, recording: CallRecording) -> bool:
        return recording.customer_id is not None


class CallRecordingIntake(APIView):
    """Receive one call recording from the telephony system."""

    required_scope = Scope.CALLS
    permission_classes = [HasScope]
    parser_classes = [MultiPartParser]

    @extend_schema(
        summary="Store a call recording",
        description=(
            "Multipart form: the call's metadata and its audio file. Idempotent on `call_id`: "
            "a retry with the same audio answers 200 with the stored recording and stores "
            "nothing; the same id with different audio answers 409. The audio type is told by "
            "the file's content; files over the size limit are refused. Recordings are deleted "
            "30 days after the call."
        ),
        request={"multipart/form-data": CallRecordingIntakeSerializer},
        responses={201: CallRecordingSerializer, 200: CallRecordingSerializer},
    )
    def post(self, request: Request) -> Response:
        declared = request.META.get("CONTENT_LENGTH") or "0"
        if declared.isdigit() and int(declared) > settings.CALL_RECORDING_MAX_BYTES + FORM_OVERHEAD:
            # Refuse before reading the body, so nothing is spooled to disk.
            return Response({"audio": [_too_large()]}, status=status.HTTP_400_BAD_REQUEST)
        intake = CallRecordingIntakeSerializer(data=request.data)
        intake.is_valid(raise_exception=True)
        try:
            recording, created = recording_receive(
                **intake.validated_data, audio_type=intake.audio_type, by=request.auth
            )
        except RecordingConflict:
            return Response(
                {"call_id": [_("This call id is already stored with different audio.")]},
                status=status.HTTP_409_CONFLICT,
            )
        return Response(
            CallRecordingSerializer(recording).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
