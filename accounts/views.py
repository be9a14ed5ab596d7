from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts import work_queue
from accounts.middleware import ENROLMENT, UnusableInput
from accounts.models import Enrolment
from accounts.roles import Role, roles_of
from jobs.schedule import scheduled_jobs


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The greeting and the work queue of the user's roles (accounts.work_queue)."""
    return render(
        request,
        "home.html",
        {"roles": sorted(roles_of(request.user)), "queue": work_queue.cards_for(request.user)},
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    """Sign out: the session is deleted on the server, not just forgotten by the browser."""
    logout(request)
    messages.success(request, _("You have signed out."))
    return redirect(settings.LOGOUT_REDIRECT_URL)


@login_required
def schedule(request: HttpRequest) -> HttpResponse:
    """Show the privacy officer the scheduled jobs, read-only: the schedule in words, the last
    run and its outcome, and the next run."""
    if Role.PRIVACY_OFFICER not in roles_of(request.user):
        raise PermissionDenied
    return render(request, "accounts/schedule.html", {"jobs": scheduled_jobs()})


@require_GET
def enrol(request: HttpRequest, token: str) -> HttpResponse:
    """Follow an enrolment link: sign in with the password, then enrol the authentication app.

    The link only lets this browser enrol a device for the account it was issued to, after that
    account's password; it is spent when the device is enrolled.
    """
    enrolment = Enrolment.objects.redeem(token)
    if enrolment is None:
        return render(request, "accounts/enrolment_invalid.html", status=404)
    if request.user.is_authenticated and request.user.pk != enrolment.user_id:
        logout(request)
    request.session[ENROLMENT] = enrolment.pk
    if request.user.is_authenticated:
        return redirect("two_factor:setup")
    messages.info(request, _("Sign in with your password; then add the authentication app."))
    return redirect(settings.LOGIN_URL)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """400: say what to change when the register knows (accounts.middleware.UnusableInput)."""
    reason = str(exception) if isinstance(exception, UnusableInput) else ""
    if _is_api(request):
        return JsonResponse({"detail": reason or _("Bad request.")}, status=400)
    return render(request, "400.html", {"reason": reason}, status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": _("You do not have permission to do this.")}, status=403)
    return render(request, "403.html", status=403)


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": _("Internal server error.")}, status=500)
    # No context processors: whatever broke must not break the error page too.
    return HttpResponse(loader.get_template("500.html").render(), status=500)
