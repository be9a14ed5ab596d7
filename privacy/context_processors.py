from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def controller(request: HttpRequest) -> dict[str, dict[str, str]]:
    """Make the controller's details (notice §1–3) available to every page."""
    return {"controller": settings.CONTROLLER}
