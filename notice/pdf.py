"""PDF rendering with WeasyPrint that fetches nothing: every style is in the document itself."""

from __future__ import annotations

from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetchingError


class NothingFetcher(URLFetcher):
    """Refuse every URL: a document may not make the server reach out, or read its disk."""

    def fetch(self, url: str, headers: dict | None = None) -> None:
        raise URLFetchingError(f"Refusing to fetch {url}")


def render_pdf(html: str) -> bytes:
    return HTML(string=html, url_fetcher=NothingFetcher()).write_pdf()
