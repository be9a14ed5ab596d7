from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import (
    login_not_required,
    login_required,
    permission_required,
)
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from notice import consistency, request_forms, services, wording
from notice.compare import compare
from notice.models import NoticeVersion

_NAMES = {
    "fi": ("notice:public", "notice:public_version", "notice:form"),
    "en": ("notice:public_en", "notice:public_version_en", "notice:form_en"),
}


@login_not_required
@require_GET
def public(request: HttpRequest, language: str, number: int | None = None) -> HttpResponse:
    """Show a published version of the notice (the one in force by default), for anyone."""
    current = NoticeVersion.objects.current()
    version = current
    if number is not None:
        version = get_object_or_404(NoticeVersion.objects.all(), number=number)
    versions = Paginator(
        NoticeVersion.objects.only("number", "effective_on").order_by("-number"), 20
    ).get_page(request.GET.get("page"))
    sections, text_language = [], language
    if version is not None:
        sections = list(version.sections.filter(language=language))
        if not sections:  # the 2018 notice was published in Finnish only
            text_language = "fi"
            sections = list(version.sections.filter(language="fi"))
    page_name, version_name, form_name = _NAMES[language]
    with translation.override(language):
        response = render(
            request,
            "notice/public.html",
            {
                "language": language,
                "text_language": text_language,
                "page_title": _("Privacy notice"),
                "version": version,
                "versions": versions,
                "page_obj": versions,
                "is_current": current is not None and version.number == current.number,
                "current_url": reverse(page_name),
                "version_url_name": version_name,
                "form_url_name": form_name,
                "title": sections[0].heading if sections else "",
                "sections": sections[1:],
                "rights": [(slug, str(name)) for slug, name in wording.RIGHTS.items()],
            },
        )
    response["Content-Language"] = language
    return response


@login_not_required
@require_GET
def request_form(request: HttpRequest, language: str, right: str) -> HttpResponse:
    """Return the printable request form (PDF) for one right of notice §12."""
    if right not in request_forms.FORMS:
        raise Http404
    response = HttpResponse(
        request_forms.render(right, language=language), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="{right}-{language}.pdf"'
    return response


@login_required
@permission_required("notice.publish_noticeversion", raise_exception=True)
@require_GET
def review(request: HttpRequest) -> HttpResponse:
    """Show the privacy officer the generated draft beside the published version."""
    language = request.GET.get("lang", "fi")
    if language not in ("fi", "en"):
        language = "fi"
    published = (
        NoticeVersion.objects.select_related("published_by").prefetch_related("sections").first()
    )
    proposed = services.current_draft()
    old = (
        [(s.number, s.heading, s.body) for s in published.sections_in(language)]
        if published
        else []
    )
    new = [(s.number, s.heading, s.body) for s in proposed.sections[language]]
    comparison = compare(old, new)
    # The title carries the date; only a change in the sections themselves is worth a version.
    changed = sum(1 for section in comparison if section.changed and section.number)
    return render(
        request,
        "notice/review.html",
        {
            "language": language,
            "languages": [("fi", _("Finnish")), ("en", _("English"))],
            "published": published,
            "comparison": comparison,
            "changed": changed,
            "digest": proposed.digest,
            "next_number": (published.number + 1) if published else 1,
            "differences": consistency.check(version=published, facts=proposed.facts),
        },
    )


@login_required
@permission_required("notice.publish_noticeversion", raise_exception=True)
@require_POST
def publish(request: HttpRequest) -> HttpResponse:
    try:
        version = services.publish(by=request.user, reviewed_digest=request.POST.get("digest", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("notice:review")
    services.run_check()
    messages.success(
        request,
        _("Version %(number)d of the privacy notice is published.") % {"number": version.number},
    )
    return redirect("notice:review")
