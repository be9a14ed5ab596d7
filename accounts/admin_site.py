from __future__ import annotations

import functools
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from two_factor.admin import AdminSiteOTPRequired

from audit.admin_access import record_admin_page


class RegisterAdminSite(AdminSiteOTPRequired):
    """The privacy officer's admin: same login as the staff pages, never with a password alone.

    Every list and history page that shows people writes them to the access log.
    """

    site_header = _("PK Terveyden asiakasrekisteri: administration")
    site_title = _("Customer register administration")
    index_title = _("Privacy officer's tools")

    def admin_view(self, view: Callable, cacheable: bool = False) -> Callable:
        checked = super().admin_view(view, cacheable)

        @functools.wraps(checked)
        def logged(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            response = checked(request, *args, **kwargs)
            record_admin_page(request, response)
            return response

        return logged
