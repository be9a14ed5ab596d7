from __future__ import annotations

from django.apps import AppConfig, apps
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit trail")

    def ready(self) -> None:
        # pghistory's aggregate events are the change history the privacy officer reads in the
        # admin; its own names ("Pghistory", "events") are a library's, not the register's.
        from pghistory.models import Events

        apps.get_app_config("pghistory").verbose_name = _("Change history")
        Events._meta.verbose_name = _("change")
        Events._meta.verbose_name_plural = _("changes")
