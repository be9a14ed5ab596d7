from __future__ import annotations

from django.urls import path

from consents import views

app_name = "consents"

urlpatterns = [
    path("asiakkaat/<int:pk>/suostumukset/", views.customer_timeline, name="timeline"),
    path("asiakkaat/<int:pk>/suostumukset/kirjaa/", views.consent_record, name="record"),
    path(
        "asiakkaat/<int:pk>/suostumukset/<int:event_pk>/tosite/",
        views.evidence_download,
        name="evidence",
    ),
    path("asiakkaat/<int:pk>/kiellot/", views.ban_record, name="ban_record"),
    path("asiakkaat/<int:pk>/kiellot/<int:ban_pk>/poista/", views.ban_lift, name="ban_lift"),
    path("asiakkaat/<int:pk>/rajoitus/", views.restriction_set, name="restriction_set"),
    path("asiakkaat/<int:pk>/rajoitus/poista/", views.restriction_lift, name="restriction_lift"),
    path("luovutukset/<int:pk>/kopio/", views.disclosure_copy, name="disclosure_copy"),
    path("markkinointi/kohderyhmat/", views.audiences, name="audiences"),
    path("markkinointi/viennit/", views.audience_export_create, name="export_create"),
    path("markkinointi/viennit/<int:pk>/", views.audience_export_detail, name="export"),
    path("markkinointi/viennit/<int:pk>/tila/", views.audience_export_progress, name="progress"),
    path(
        "markkinointi/viennit/<int:pk>/uudelleen/", views.audience_export_retry, name="export_retry"
    ),
    path("markkinointi/viennit/<int:pk>/lataa/", views.audience_export_download, name="download"),
]
