from __future__ import annotations

import pytest

from accounts.models import ApiClient, Scope
from consents.models import ConsentPurpose


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Every test stores files in its own empty directory."""
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    return root


@pytest.fixture
def email_marketing(db) -> ConsentPurpose:
    return ConsentPurpose.objects.get(code="email-marketing")


@pytest.fixture
def sms_marketing(db) -> ConsentPurpose:
    return ConsentPurpose.objects.get(code="sms-marketing")


@pytest.fixture
def market_research(db) -> ConsentPurpose:
    return ConsentPurpose.objects.get(code="market-research")


@pytest.fixture
def website(db) -> tuple[ApiClient, str]:
    """The website's API client, with the consents scope, and its token."""
    return ApiClient.issue(name="Verkkosivut", scopes=[Scope.CONSENTS])
