"""Rectification (GDPR Art. 16) from the request: the privacy officer edits the customer's
details on the request's page; the save goes through the register's own update (with its
concurrency check), is linked to the request in the change history's context, and the timeline
shows which fields changed, read from that history."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pghistory
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from pghistory.models import Events

from audit.history import attributed_to
from customers.models import Customer, CustomerGroup, Source
from customers.services import customer_update
from dsar.models import DataSubjectRequest, RequestType, WorkflowError

_NOT_SHOWN = {"version", "updated_at", "field_sources"}


def rectify(
    *,
    dsar: DataSubjectRequest,
    data: dict[str, Any],
    groups: Iterable[CustomerGroup] | None,
    expected_version: int,
    by,
) -> list[str]:
    """Save the corrected details; return the Finnish names of the fields that changed."""
    from dsar.services import action_done, record_action

    dsar.require_open()
    dsar.require_identity()
    if RequestType.RECTIFICATION not in dsar.types:
        raise WorkflowError(_("The request does not ask for rectification."))
    if dsar.customer_id is None:
        raise WorkflowError(_("Match the request to a customer first."))
    customer = Customer.objects.get(pk=dsar.customer_id)
    with (
        transaction.atomic(),
        attributed_to(by),
        pghistory.context(dsar_request=dsar.reference),
    ):
        changed = customer_update(
            customer=customer,
            data=data,
            groups=groups,
            expected_version=expected_version,
            by=by,
            source=Source.CUSTOMER,
        )
        if not changed:
            return []
        event = (
            Events.objects.tracks(customer)
            .filter(pgh_label="update")
            .order_by("-pgh_created_at", "-pgh_id")
            .first()
        )
        names = sorted(set(event.pgh_diff or {}) - _NOT_SHOWN) if event else changed
        with translation.override("fi"):
            labels = [
                str(Customer._meta.get_field(name).verbose_name)
                if name in {f.name for f in Customer._meta.get_fields()}
                else name
                for name in names
            ]
        if "groups" in changed and "groups" not in names:
            labels.append(str(_("customer groups")))
        record_action(
            dsar=dsar, text=_("Rectified: %(fields)s.") % {"fields": ", ".join(labels)}, by=by
        )
        action_done(dsar, RequestType.RECTIFICATION, ", ".join(labels), by)
    return labels
