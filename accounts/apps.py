from __future__ import annotations

from django.apps import AppConfig, apps
from django.contrib.admin import apps as admin_apps
from django.contrib.auth.management import create_permissions
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Staff accounts, roles and API clients")

    def ready(self) -> None:
        from accounts.roles import sync_role_permissions

        def _sync(sender: AppConfig, using: str = "default", **kwargs: object) -> None:
            # post_migrate fires once per app with models. On the last one, make sure every
            # app's permissions exist (auth's own receiver for that app may run after this
            # one), then give the roles theirs.
            with_models = [c for c in apps.get_app_configs() if c.models_module is not None]
            if sender is with_models[-1]:
                for app_config in with_models:
                    create_permissions(app_config, verbosity=0, using=using)
                sync_role_permissions()

        post_migrate.connect(_sync, dispatch_uid="accounts.sync_role_permissions")

        from django.contrib.auth.signals import user_logged_in

        from accounts.middleware import mark_signed_in

        user_logged_in.connect(mark_signed_in, dispatch_uid="accounts.mark_signed_in")


class RegisterAdminConfig(admin_apps.AdminConfig):
    """The Django admin, reachable only through the staff login with a verified second factor."""

    default = False
    default_site = "accounts.admin_site.RegisterAdminSite"
