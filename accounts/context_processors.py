from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role, roles_of

# (label, url name, roles that see it); None means every signed-in user.
NAVIGATION = [
    (_("Front page"), "home", None),
    (_("Scheduled jobs"), "schedule", {Role.PRIVACY_OFFICER}),
]


def navigation(request: HttpRequest) -> dict[str, object]:
    """Give the base layout the navigation the signed-in user's roles may use."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"navigation": []}
    roles = roles_of(user)
    items = [
        {
            "label": label,
            "url": reverse(name),
            "active": request.resolver_match is not None
            and request.resolver_match.url_name == name,
        }
        for label, name, allowed in NAVIGATION
        if allowed is None or roles & allowed
    ]
    return {"navigation": items, "user_roles": roles, "can_admin": user.is_staff}
