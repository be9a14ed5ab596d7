"""The request's letters, rendered from templates (Finnish, or English when the request says so)
to PDF with WeasyPrint. Nothing is fetched while rendering: the letter's style is inline and
the url_fetcher refuses every URL, so a letter never reaches out to the network or the disk."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from dsar.models import DataSubjectRequest, LetterKind


def _refusing_fetcher() -> Any:
    from weasyprint.urls import URLFetcher, URLFetchingError

    class RefusingFetcher(URLFetcher):
        """WeasyPrint's url_fetcher for letters: every URL is refused (logged, not fetched)."""

        refused: list[str]

        def fetch(self, url: str, headers: Any = None) -> Any:
            self.refused.append(url)
            raise URLFetchingError(f"A letter fetches nothing: {url[:100]}")

    fetcher = RefusingFetcher(allowed_protocols=())
    fetcher.refused = []
    return fetcher


def letter_html(
    dsar: DataSubjectRequest,
    kind: LetterKind | str,
    *,
    granted_in_full: bool = True,
    recipients: list[str] = (),
) -> str:
    """Return the letter as HTML in the request's language."""
    language = dsar.language if dsar.language in ("fi", "en") else "fi"
    with translation.override(language):
        return render_to_string(
            f"dsar/letters/{language}/{kind}.html",
            {
                "request": dsar,
                "controller": settings.CONTROLLER,
                "today": timezone.localdate(),
                "granted_in_full": granted_in_full,
                # Art. 19: the recipients told, named when the person asked for them.
                "recipients": list(recipients),
                # Art. 12(4): every answer that does not grant the request in full.
                "tell_remedies": kind == LetterKind.REJECTION or not granted_in_full,
            },
        )


def render_letter(
    dsar: DataSubjectRequest,
    kind: LetterKind | str,
    *,
    granted_in_full: bool = True,
    recipients: list[str] = (),
) -> bytes:
    """Return the letter as PDF bytes."""
    from weasyprint import HTML

    html = letter_html(dsar, kind, granted_in_full=granted_in_full, recipients=recipients)
    return HTML(string=html, url_fetcher=_refusing_fetcher(), base_url=None).write_pdf()
