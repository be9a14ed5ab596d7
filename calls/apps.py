from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CallsConfig(AppConfig):
    name = "calls"
    verbose_name = _("Call recordings")

    def ready(self) -> None:
        from calls import queue, sections, signals

        sections.register()
        signals.register()
        queue.register()
