from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
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
