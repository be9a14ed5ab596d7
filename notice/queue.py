"""The last result of the privacy notice's daily consistency check, on the privacy officer's
front page."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from accounts import work_queue
from accounts.roles import Role
from accounts.work_queue import QueueEntry
from notice.models import ConsistencyCheck


def _last_check(user) -> dict[str, object]:
    return {"check": ConsistencyCheck.objects.order_by("-checked_at").first()}


def register() -> None:
    work_queue.register(
        QueueEntry(
            slug="tietosuojaselosteen-tarkistus",
            title=_("Privacy notice check"),
            roles=frozenset({Role.PRIVACY_OFFICER}),
            empty_text=_("The privacy notice has not been checked yet."),
            template="notice/_queue_check.html",
            context=_last_check,
        ),
        order=390,
    )
