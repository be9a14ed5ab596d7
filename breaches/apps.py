from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BreachesConfig(AppConfig):
    name = "breaches"
    verbose_name = _("Personal-data breaches")

    def ready(self) -> None:
        from breaches import queue

        queue.register()
