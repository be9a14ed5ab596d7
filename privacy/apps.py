from __future__ import annotations

from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "privacy"
    verbose_name = _("Personal-data declarations")

    def ready(self) -> None:
        # Every app's personal_data module registers its declarations (and retention policies).
        autodiscover_modules("personal_data")
        from privacy import (
            checks,  # noqa: F401  (registers the system checks)
            queue,
        )

        queue.register()

    def policy_display_name(self, name: str) -> str:
        """The Finnish name of a registered retention policy (its code if none is)."""
        from privacy.declarations import policies

        try:
            return policies.get(name).display_name
        except LookupError:
            return name
