from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from two_factor.urls import urlpatterns as two_factor_urls

from accounts import api as accounts_api
from accounts import views as accounts_views
from calls.api import CallRecordingIntake
from consents.api import AnalyticsConsentIntake, ConsentIntake
from dsar.api import RequestIntake
from feedback.api import FeedbackIntake, SurveyAnswerIntake, VisitIntake

api_v1 = [
    path("whoami/", accounts_api.whoami, name="whoami"),
    path("calls/", CallRecordingIntake.as_view(), name="calls"),
    path("consents/", ConsentIntake.as_view(), name="consents"),
    path("feedback/", FeedbackIntake.as_view(), name="feedback"),
    path("visits/", VisitIntake.as_view(), name="visits"),
    path("visits/consent/", AnalyticsConsentIntake.as_view(), name="analytics_consent"),
    path("surveys/answers/", SurveyAnswerIntake.as_view(), name="survey_answers"),
    path("requests/", RequestIntake.as_view(), name="requests"),
]

urlpatterns = [
    path("", accounts_views.home, name="home"),
    path("", include(two_factor_urls)),
    path("kirjaudu-ulos/", accounts_views.logout_view, name="logout"),
    path("tunnistautuminen/<str:token>/", accounts_views.enrol, name="enrol"),
    path("jarjestelma/ajastukset/", accounts_views.schedule, name="schedule"),
    path("", include("calls.urls")),
    path("", include("customers.urls")),
    path("", include("consents.urls")),
    path("", include("feedback.urls")),
    path("", include("dsar.urls")),
    path("", include("notice.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]

handler400 = "accounts.views.bad_request"
handler403 = "accounts.views.permission_denied"
handler404 = "accounts.views.page_not_found"
handler500 = "accounts.views.server_error"
