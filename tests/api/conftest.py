from __future__ import annotations

import pytest

from accounts.models import ApiClient, Scope


@pytest.fixture
def every_scope(db) -> tuple[ApiClient, dict[str, str]]:
    """A client whose token carries every scope."""
    client, token = ApiClient.issue(name="Kaikki", scopes=[s.value for s in Scope])
    return client, {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def unlimited(settings):
    """No rate limit gets in the way of a test that sends many requests."""
    settings.API_RATES = dict.fromkeys(settings.API_RATES, "1000000/minute")


@pytest.fixture
def media_root_for_fuzz(settings, tmp_path):
    """Files a fuzzed form might store go to the test's own directory."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
