from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticeConfig(AppConfig):
    name = "notice"
    verbose_name = _("Privacy notice")

    def ready(self) -> None:
        from notice import queue

        queue.register()
