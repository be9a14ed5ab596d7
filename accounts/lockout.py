from __future__ import annotations

from django.http import HttpRequest


def lockout_username(request: HttpRequest, credentials: dict | None = None) -> str | None:
    """Return the username axes counts failures against.

    authenticate() passes it as "username"; the two-factor login wizard posts it as
    "auth-username" (its step prefix), which is what axes sees before authentication runs.
    """
    if credentials and credentials.get("username"):
        return credentials["username"]
    data = getattr(request, "data", None) or request.POST
    return data.get("auth-username") or data.get("username")
