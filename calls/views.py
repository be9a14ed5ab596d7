"""Listening to call recordings: supervisors and the privacy officer, always with a purpose.

The audio is only ever streamed by `recording_audio`, which checks the permission and a signed,
short-lived playback grant that names the user, the recording and the access-log entry written
when the purpose was chosen. There is no public media URL.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from django.contrib.auth.decorators import login_required, permission_required
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from audit.models import AccessAction, AccessLogEntry, AccessPurpose
from calls.forms import PlaybackPurposeForm, RecordingFilterForm
from calls.models import CallRecording

LISTEN = "calls.listen_callrecording"
GRANT_SALT = "calls.playback"
# Long enough to listen to the longest recording the size limit allows, with pauses.
GRANT_SECONDS = 2 * 60 * 60
CHUNK_BYTES = 64 * 1024
PAGE_SIZE = 50
RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _grant_for(request: HttpRequest, recording: CallRecording, entry_pk: int) -> str:
    return signing.dumps(
        {"r": recording.pk, "u": request.user.pk, "e": entry_pk}, salt=GRANT_SALT, compress=True
    )


def _check_grant(request: HttpRequest, recording: CallRecording, grant: str) -> int:
    """Return the access-log entry the grant was issued for; refuse a foreign or old one."""
    try:
        data = signing.loads(grant, salt=GRANT_SALT, max_age=GRANT_SECONDS)
    except signing.BadSignature as error:
        raise PermissionDenied from error
    if data.get("r") != recording.pk or data.get("u") != request.user.pk:
        raise PermissionDenied
    return data["e"]


@login_required
@permission_required(LISTEN, raise_exception=True)
@require_GET
def recording_list(request: HttpRequest) -> HttpResponse:
    """Recordings, newest first, with days left until deletion; filtered by the days of the
    call, the number, the customer, or to unidentified callers only. Invalid filters show
    their errors (400) and no recordings."""
    filters = RecordingFilterForm(request.GET)
    recordings = filters.filter(CallRecording.objects.for_listing())
    page = Paginator(recordings, PAGE_SIZE).get_page(request.GET.get("page"))
    AccessLogEntry.record_many(
        actor=request.user,
        action=AccessAction.LIST,
        purpose=AccessPurpose.CUSTOMER_SERVICE,
        subjects=(recording.access_subject() for recording in page.object_list),
        detail="recordings",
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "calls/recording_list.html",
        {
            "page_obj": page,
            "calls": page.object_list,
            "filters": filters,
            "query_string": query.urlencode(),
        },
        status=400 if filters.errors else 200,
    )


@login_required
@permission_required(LISTEN, raise_exception=True)
@require_http_methods(["GET", "POST"])
def recording_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show a recording and ask why the user listens; the answer is logged, then it plays."""
    recording = get_object_or_404(CallRecording.objects.for_listing(), pk=pk)
    form = PlaybackPurposeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        entry = recording.start_playback(by=request.user, purpose=form.cleaned_data["purpose"])
        return redirect(
            "calls:player", pk=recording.pk, grant=_grant_for(request, recording, entry.pk)
        )
    subject, obj = recording.access_subject()
    AccessLogEntry.record(
        actor=request.user,
        action=AccessAction.VIEW,
        purpose=AccessPurpose.CUSTOMER_SERVICE,
        subject=subject,
        obj=obj,
    )
    return render(request, "calls/recording_detail.html", {"recording": recording, "form": form})


@login_required
@permission_required(LISTEN, raise_exception=True)
@require_GET
def recording_player(request: HttpRequest, pk: int, grant: str) -> HttpResponse:
    """The recording with its player, for the purpose just logged."""
    recording = get_object_or_404(CallRecording.objects.for_listing(), pk=pk)
    _check_grant(request, recording, grant)
    return render(
        request,
        "calls/recording_detail.html",
        {"recording": recording, "grant": grant},
    )


@login_required
@permission_required(LISTEN, raise_exception=True)
@require_GET
def recording_audio(request: HttpRequest, pk: int, grant: str) -> HttpResponse:
    """Stream the audio, whole or a byte range (the player seeks with ranges)."""
    recording = get_object_or_404(CallRecording, pk=pk)
    _check_grant(request, recording, grant)
    return _ranged_response(request, recording)


def _ranged_response(request: HttpRequest, recording: CallRecording) -> HttpResponse:
    size = recording.size
    start, end, status = 0, size - 1, 200
    match = RANGE.match(request.headers.get("Range", "").strip())
    if match and (match[1] or match[2]):
        if match[1]:
            start = int(match[1])
            end = min(int(match[2]), size - 1) if match[2] else size - 1
        else:  # "bytes=-N": the last N bytes
            start = max(size - int(match[2]), 0)
        if start > end:
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            return response
        status = 206
    handle = recording.audio.open("rb")
    handle.seek(start)
    response = StreamingHttpResponse(
        _read(handle, end - start + 1), status=status, content_type=recording.content_type
    )
    response["Content-Length"] = str(end - start + 1)
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = "no-store, private"
    response["Content-Disposition"] = "inline"
    if status == 206:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    return response


def _read(handle, remaining: int) -> Iterator[bytes]:
    try:
        while remaining > 0:
            chunk = handle.read(min(CHUNK_BYTES, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk
    finally:
        handle.close()
