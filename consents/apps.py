from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ConsentsConfig(AppConfig):
    name = "consents"
    verbose_name = _("Consents and bans")

    def ready(self) -> None:
        from consents import address_bans, analytics, checks, contact_rules, queue, sections  # noqa: F401
        from consents.models import Ban
        from privacy.objection import register_objections

        sections.register()
        contact_rules.register()
        queue.register()
        address_bans.register()
        analytics.register()
        register_objections(Ban.objects.objections_in_force)

        def _ensure(sender: AppConfig, **kwargs: object) -> None:
            from consents.purposes import ensure_starting_purposes

            ensure_starting_purposes()

        # After every migrate (and every test flush, which emits it too), like the roles.
        post_migrate.connect(_ensure, sender=self, dispatch_uid="consents.starting_purposes")
