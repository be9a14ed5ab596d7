from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DsarConfig(AppConfig):
    name = "dsar"
    verbose_name = _("Data-subject requests")

    def ready(self) -> None:
        from dsar import sections

        sections.register()
