from __future__ import annotations

from django.urls import path

from notice import views

app_name = "notice"

urlpatterns = [
    path("tietosuojaseloste/", views.public, {"language": "fi"}, name="public"),
    path(
        "tietosuojaseloste/versiot/<int:number>/",
        views.public,
        {"language": "fi"},
        name="public_version",
    ),
    path(
        "tietosuojaseloste/lomakkeet/<slug:right>.pdf",
        views.request_form,
        {"language": "fi"},
        name="form",
    ),
    path("en/privacy-notice/", views.public, {"language": "en"}, name="public_en"),
    path(
        "en/privacy-notice/versions/<int:number>/",
        views.public,
        {"language": "en"},
        name="public_version_en",
    ),
    path(
        "en/privacy-notice/forms/<slug:right>.pdf",
        views.request_form,
        {"language": "en"},
        name="form_en",
    ),
    path("jarjestelma/tietosuojaseloste/", views.review, name="review"),
    path("jarjestelma/tietosuojaseloste/julkaise/", views.publish, name="publish"),
]
