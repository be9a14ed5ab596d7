from __future__ import annotations

from django.urls import path

from dsar import views

app_name = "dsar"

urlpatterns = [
    path("asiakkaat/<int:pk>/pyynto/", views.office_request, name="office_request"),
    path("pyynnot/raportit/", views.reports_page, name="reports"),
    path("pyynnot/raportit/rekisteri.csv", views.register_export, name="register_export"),
]
