"""Attribution of tracked changes to the actor a service was given."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pghistory

if TYPE_CHECKING:
    from accounts.models import Actor


def attributed_to(actor: Actor | None) -> pghistory.context:
    """Return a history context naming the user or API client behind the changes inside it.

    Services wrap their writes in this, so that attribution never depends on a request being
    around (commands, Celery tasks and the API all pass their actor explicitly).
    """
    from accounts.models import ApiClient

    if actor is None:
        return pghistory.context()
    if isinstance(actor, ApiClient):
        return pghistory.context(api_client=actor.pk)
    return pghistory.context(user=actor.pk)
