"""The bare Django REST framework endpoint bench/api.py measures our visit API against: a
ModelSerializer and DRF's token authentication, nothing else."""

from __future__ import annotations

import os

from django.urls import path
from rest_framework import generics, serializers
from rest_framework.authentication import TokenAuthentication
from rest_framework.permissions import IsAuthenticated

from feedback.models import WebsiteVisit


class VisitSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebsiteVisit
        fields = ["visited_at", "ip_address", "language", "browser", "screen_resolution"]


class BaselineVisits(generics.CreateAPIView):
    serializer_class = VisitSerializer
    authentication_classes = [TokenAuthentication]
    permission_classes = [IsAuthenticated]
    throttle_classes = []

    def perform_create(self, serializer: VisitSerializer) -> None:
        # The column is required: the bench's API client, given by bench/api.py.
        serializer.save(received_from_id=int(os.environ["BENCH_API_CLIENT_ID"]))


urlpatterns = [path("baseline/visits/", BaselineVisits.as_view())]
