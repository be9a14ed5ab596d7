from __future__ import annotations

from celery import shared_task

from customers.models import KnownName


@shared_task
def prune_known_names() -> dict[str, int]:
    """Keep the search names equal to the names in use: delete those nobody bears any more
    and add any written with triggers off (bulk retention and bulk loads skip the trigger)."""
    return {"removed": KnownName.objects.prune(), "added": KnownName.objects.add_missing()}


@shared_task
def review_contact_roles() -> dict[str, int]:
    """List the contact roles quiet for 24 months for review; end those unanswered 3 months."""
    from customers.services import contact_roles_review

    result = contact_roles_review()
    return {"listed": result.listed, "ended": result.ended, "restricted": result.restricted}
