from __future__ import annotations

from django.urls import path

from calls import views

app_name = "calls"

urlpatterns = [
    path("puhelut/", views.recording_list, name="list"),
    path("puhelut/<int:pk>/", views.recording_detail, name="detail"),
    path("puhelut/<int:pk>/kuuntele/<str:grant>/", views.recording_player, name="player"),
    path("puhelut/<int:pk>/aani/<str:grant>/", views.recording_audio, name="audio"),
]
