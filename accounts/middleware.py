from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import user_has_device

from accounts.models import Enrolment

# Session keys: when the user signed in (the absolute lifetime counts from it), and the
# enrolment link the browser brought (accounts.views.enrol).
SIGNED_IN_AT = "pkregister_signed_in_at"
ENROLMENT = "pkregister_enrolment"

# Paths a signed-in user without a verified second factor may still reach: the login page,
# logout, the enrolment link, static files, the token-authenticated API and the public privacy
# notice.
_OPEN_PREFIXES = (
    "/account/login/",
    "/kirjaudu-ulos/",
    "/tunnistautuminen/",
    "/static/",
    "/api/",
    "/i18n/",
    "/tietosuojaseloste/",
    "/en/privacy-notice/",
)


def mark_signed_in(sender: object, request: HttpRequest, user: object, **kwargs: object) -> None:
    """Note when the session's sign-in happened (user_logged_in receiver)."""
    request.session[SIGNED_IN_AT] = int(timezone.now().timestamp())


class SessionLifetimeMiddleware:
    """End every session SESSION_ABSOLUTE_SECONDS after its sign-in, however busy it is.

    The idle timeout (SESSION_COOKIE_AGE) is renewed by every request, so a page that polls
    would keep a session alive for ever without this.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(timezone.now().timestamp())
            signed_in_at = request.session.setdefault(SIGNED_IN_AT, now)
            if now - signed_in_at >= settings.SESSION_ABSOLUTE_SECONDS:
                logout(request)
                messages.info(request, _("Your session has ended. Sign in again."))
                return redirect(settings.LOGIN_URL)
        return self.get_response(request)


class TwoFactorRequiredMiddleware:
    """With REQUIRE_2FA on, a session signed in with a password alone can do nothing.

    A user with a device signs in again with the code. A user without one may only enrol, and
    only with an enrolment link the privacy officer or an administrator issued for that
    account; anyone else is signed out at once. The admin site enforces verification by itself
    (accounts.admin_site), switch or not.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        if ENROLMENT in request.session and user_has_device(user):
            self._close_enrolment(request)
        if (
            settings.REQUIRE_2FA
            and not user.is_verified()
            and not request.path.startswith(_OPEN_PREFIXES)
        ):
            if user_has_device(user):
                # A session from before the device was enrolled: sign in again with the code.
                logout(request)
                return redirect(settings.LOGIN_URL)
            if self._enrolment_for(request, user) is None:
                logout(request)
                messages.error(
                    request,
                    _(
                        "This account has no authentication app yet. Ask the privacy officer "
                        "for an enrolment link."
                    ),
                )
                return redirect(settings.LOGIN_URL)
            enrolment_paths = (reverse("two_factor:setup"), reverse("two_factor:qr"))
            if request.path not in enrolment_paths:
                return redirect("two_factor:setup")
        return self.get_response(request)

    def _enrolment_for(self, request: HttpRequest, user: object) -> Enrolment | None:
        pk = request.session.get(ENROLMENT)
        if pk is None:
            return None
        return Enrolment.objects.usable().filter(pk=pk, user=user).first()

    def _close_enrolment(self, request: HttpRequest) -> None:
        """The device is enrolled: the link is spent."""
        pk = request.session.pop(ENROLMENT)
        Enrolment.objects.filter(pk=pk, used_at__isnull=True).update(used_at=timezone.now())


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
