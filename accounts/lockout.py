from __future__ import annotations

import ipaddress

from django.conf import settings
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


def client_ip(request: HttpRequest) -> str | None:
    """Return the address of the client as our own reverse proxies saw it.

    Each proxy appends the address it received the request from to X-Forwarded-For, so with
    `TRUSTED_PROXY_COUNT` proxies in front of us (env AXES_PROXY_COUNT) the last that many
    entries are theirs and the first of them is the client; whatever the client wrote itself
    further left is ignored.
    Without proxies, or when the header has fewer entries than proxies (a misconfiguration),
    REMOTE_ADDR is the answer: the nearest peer can never be forged.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    count = settings.TRUSTED_PROXY_COUNT
    if not count:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    hops = [hop for hop in hops if hop]
    if len(hops) < count:
        return remote
    try:
        return str(ipaddress.ip_address(hops[-count]))
    except ValueError:
        return remote
