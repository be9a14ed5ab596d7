from __future__ import annotations

from django.urls import path

from feedback import views

app_name = "feedback"

urlpatterns = [
    path("palaute/", views.feedback_list, name="list"),
    path("palaute/uusi/", views.feedback_create, name="create"),
    path("palaute/<int:pk>/", views.feedback_detail, name="detail"),
    path("palaute/<int:pk>/avaa-uudelleen/", views.feedback_reopen_view, name="reopen"),
    path("palaute/tyytyvaisyys/", views.satisfaction_report, name="report"),
    path(
        "palaute/tyytyvaisyys/<slug:breakdown>.<str:fmt>",
        views.satisfaction_export,
        name="report_export",
    ),
]
