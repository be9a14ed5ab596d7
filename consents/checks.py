"""Deployment check: every outside service that receives personal data is a recipient the
register may use (notice §9–§10). Run by `manage.py check --deploy` before the register starts."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.db import DatabaseError
from django.utils.module_loading import import_string

from consents.selectors import OutsideServiceNotAllowed, outside_service_recipient


def outside_services() -> list[tuple[str, str]]:
    """Return (service, recipient setting) for each configured outside service."""
    services = []
    backend = import_string(settings.SMS_BACKEND)
    if backend.recipient_setting:
        services.append(("SMS gateway", backend.recipient_setting))
    if settings.S3_BUCKET:
        services.append(("S3 storage", "STORAGE_RECIPIENT"))
    return services


# Reads the database, so it runs when asked to: `check --deploy --database default`.
@register(Tags.database, deploy=True)
def outside_services_are_registered_recipients(app_configs, **kwargs) -> list[Error]:
    errors = []
    for service, setting in outside_services():
        try:
            outside_service_recipient(getattr(settings, setting))
        except OutsideServiceNotAllowed as refusal:
            errors.append(
                Error(f"{service} ({setting}): {refusal}", id="consents.E001", obj=setting)
            )
        except DatabaseError as error:
            errors.append(
                Error(
                    f"{service}: the recipients register could not be read ({error})",
                    id="consents.E002",
                )
            )
    return errors
