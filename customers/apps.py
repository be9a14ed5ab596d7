from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from customers import (
            lookups,  # noqa: F401  (registers the ilike lookup)
            sections,
        )

        sections.register_own_sections()
