"""The pair of fields that attributes a row to whoever acted: a staff user or an API client
(accounts.models.Actor). Declared once here for every model that records its actor."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from accounts.models import Actor, ApiClient


def actor_pair(user_label: str, client_label: str) -> tuple[models.ForeignKey, models.ForeignKey]:
    """Return the (user, API client) foreign keys, both optional; a constraint of the model
    says how many may be set (`exactly_one_actor`, `at_most_one_actor`)."""
    common = {"null": True, "blank": True, "on_delete": models.PROTECT, "related_name": "+"}
    return (
        models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=user_label, **common),
        models.ForeignKey("accounts.ApiClient", verbose_name=client_label, **common),
    )


def exactly_one_actor(user_field: str, client_field: str) -> models.Q:
    return models.Q(**{f"{user_field}__isnull": False, f"{client_field}__isnull": True}) | (
        models.Q(**{f"{user_field}__isnull": True, f"{client_field}__isnull": False})
    )


def at_most_one_actor(user_field: str, client_field: str) -> models.Q:
    return models.Q(**{f"{user_field}__isnull": True}) | models.Q(
        **{f"{client_field}__isnull": True}
    )


def split_actor(actor: Actor | None) -> tuple[User | None, ApiClient | None]:
    """Return (user, API client) for an actor; both None for an automatic job."""
    from accounts.models import ApiClient

    if actor is None:
        return None, None
    if isinstance(actor, ApiClient):
        return None, actor
    return actor, None
