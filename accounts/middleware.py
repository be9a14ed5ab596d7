from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django_otp import user_has_device

# Paths a signed-in user without a verified second factor may still reach: the login and
# enrolment pages themselves, logout, static files, the token-authenticated API and the public
# privacy notice.
_OPEN_PREFIXES = (
    "/account/",
    "/kirjaudu-ulos/",
    "/static/",
    "/api/",
    "/i18n/",
    "/tietosuojaseloste/",
    "/en/privacy-notice/",
)


class TwoFactorRequiredMiddleware:
    """With REQUIRE_2FA on, send every signed-in user without a verified device to enrol one.

    The admin site enforces verification by itself (accounts.admin_site), switch or not.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            settings.REQUIRE_2FA
            and user is not None
            and user.is_authenticated
            and not user.is_verified()
            and not request.path.startswith(_OPEN_PREFIXES)
        ):
            if user_has_device(user):
                # A session from before the device was enrolled: sign in again with the code.
                logout(request)
                return redirect(settings.LOGIN_URL)
            return redirect("two_factor:setup")
        return self.get_response(request)


# The longest value a query string may carry: a search box or a filter needs far less, and a
# longer one is someone fuzzing. Forms are bounded by their fields (and the request size).
MAX_QUERY_VALUE = 1_000


class UnusableInput(BadRequest):
    """A request carrying text the register cannot use; the message says what to change."""


def unusable_input(request: HttpRequest) -> str | None:
    """Return why the request's query string or form can't be used, or None when it can.

    A NUL character cannot be stored in (or searched for in) PostgreSQL text; lone surrogates
    never get this far (the form decoder replaces them).
    """
    fields: list[tuple[Any, int | None]] = [(request.GET, MAX_QUERY_VALUE)]
    if (
        request.method == "POST"
        and not request.path.startswith("/api/")
        and request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        fields.append((request.POST, None))
    for data, limit in fields:
        for key, values in data.lists():
            for value in [key, *values]:
                if "\x00" in value:
                    return str(_("The text contains a character that cannot be used (NUL)."))
                if limit is not None and len(value) > limit:
                    return str(
                        _("The text is too long: at most %(count)d characters.") % {"count": limit}
                    )
    return None


class InputCheckMiddleware:
    """Check every search box, filter and form once, here: text the database cannot take is
    answered 400 with a Finnish message instead of reaching a query (and a 500)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        reason = unusable_input(request)
        if reason is not None:
            raise UnusableInput(reason)
        return self.get_response(request)
