from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from pghistory.middleware import HistoryMiddleware


class HistoryContextMiddleware(HistoryMiddleware):
    """Attribute every tracked change in a request to the signed-in user.

    Only ids go into the history context: no URL, since a path or query could carry personal
    data that would then outlive its erasure. API clients are added by their authentication.
    """

    def get_context(self, request: HttpRequest) -> dict[str, Any]:
        user = getattr(request, "user", None)
        return {"user": user.pk if user is not None and user.is_authenticated else None}
