from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from two_factor.admin import AdminSiteOTPRequired


class RegisterAdminSite(AdminSiteOTPRequired):
    """The privacy officer's admin: same login as the staff pages, never with a password alone."""

    site_header = _("PK Terveyden asiakasrekisteri: administration")
    site_title = _("Customer register administration")
    index_title = _("Privacy officer's tools")
