from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DsarConfig(AppConfig):
    name = "dsar"
    verbose_name = _("Data-subject requests")

    def ready(self) -> None:
        from calls.services import register_request_check
        from dsar import queue, sections
        from dsar.holds import check_reference

        sections.register()
        queue.register()
        register_request_check(check_reference)
