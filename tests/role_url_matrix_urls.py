"""The project's URLconf plus a page the role × URL test must catch (tests/test_role_url_matrix)."""

from __future__ import annotations

from django.urls import path

from pkregister.urls import handler403, handler404, handler500, urlpatterns  # noqa: F401
from tests.test_role_url_matrix import checked_only_for_some

urlpatterns = [*urlpatterns, path("vuotava/", checked_only_for_some, name="leaky-page")]
