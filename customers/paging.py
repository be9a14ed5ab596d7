"""Paged lists for pages that show more than one: each list pages on its own parameter."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest


@dataclass(frozen=True)
class PagedList:
    """One page of one list, the query parameter that pages it, and the other parameters of the
    request, which its previous and next links keep so the other lists stay where they are."""

    page: Page
    param: str
    query_string: str

    @property
    def rows(self) -> list:
        return self.page.object_list


def paged(request: HttpRequest, rows: QuerySet, *, per_page: int, param: str = "page") -> PagedList:
    """Return the page of `rows` that `?<param>=` asks for; a bad number gives the first or the
    last page (Django's `get_page`), never an error."""
    page = Paginator(rows, per_page).get_page(request.GET.get(param))
    others = request.GET.copy()
    others.pop(param, None)
    return PagedList(page=page, param=param, query_string=others.urlencode())
