from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject


def breach_clocks(request: HttpRequest) -> dict[str, object]:
    """The breaches whose 72-hour clock runs, for the privacy officer's front page.

    Lazy: only a page that shows them (the front page) queries them.
    """
    user = getattr(request, "user", None)

    def running() -> list:
        from breaches.models import Breach

        if user is None or not user.is_authenticated or not user.has_perm("breaches.view_breach"):
            return []
        return list(Breach.objects.clock_running().order_by("became_aware_at")[:20])

    return {"breach_clocks": SimpleLazyObject(running)}
