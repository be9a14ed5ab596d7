from __future__ import annotations

from django.urls import path, register_converter

from customers import reports, views
from customers.sections import SECTIONS


class SectionConverter:
    """Only the registered lists of a person's page, so that other apps' pages under a
    person's address (suostumukset/, kiellot/) are not shadowed: any other slug does not
    match (a ValueError here tells the resolver to try the next pattern)."""

    regex = "[-a-z0-9]+"

    def to_python(self, value: str) -> str:
        if value not in SECTIONS:
            raise ValueError(value)
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(SectionConverter, "record_section")

app_name = "customers"

urlpatterns = [
    path("asiakkaat/", views.customer_list, name="list"),
    path("asiakkaat/uusi/", views.customer_create_view, name="create"),
    path("asiakkaat/<int:pk>/", views.customer_detail, name="detail"),
    path("asiakkaat/<int:pk>/muokkaa/", views.customer_edit, name="edit"),
    path("asiakkaat/<int:pk>/<record_section:section>/", views.customer_section, name="section"),
    path("asiakkaat/<int:pk>/<slug:kind>/uusi/", views.related_edit, name="related_add"),
    path(
        "asiakkaat/<int:pk>/<slug:kind>/<int:item_pk>/muokkaa/",
        views.related_edit,
        name="related_edit",
    ),
    path("yhteyshenkilot/tarkistettavat/", views.contact_role_review, name="role_review"),
    path(
        "yhteyshenkilot/tarkistettavat/<int:pk>/<slug:decision>/",
        views.contact_role_decide,
        name="role_decide",
    ),
    path("yritykset/", views.company_list, name="company_list"),
    path("yritykset/uusi/", views.company_edit, name="company_create"),
    path("yritykset/<int:pk>/", views.company_detail, name="company_detail"),
    path("yritykset/<int:pk>/muokkaa/", views.company_edit, name="company_edit"),
    path("raportit/", reports.reports_page, name="reports"),
    path("raportit/<slug:report>.<str:fmt>", reports.report_export, name="report_export"),
]
