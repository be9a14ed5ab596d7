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
