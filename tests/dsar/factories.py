from __future__ import annotations

from datetime import date

import factory
from django.utils import timezone

from dsar.deadlines import due_date
from dsar.models import Channel, DataSubjectRequest, RequestType
from dsar.services import register_request


class DataSubjectRequestFactory(factory.django.DjangoModelFactory):
    """A received request, written directly (no timeline, no holds): for tests of other apps
    that need one row. Tests of the workflow use make_request, which goes through the service."""

    class Meta:
        model = DataSubjectRequest

    reference = factory.Sequence(lambda n: f"TSP-2099-{n + 1:04d}")
    types = factory.LazyFunction(lambda: [RequestType.ACCESS])
    channel = Channel.LETTER
    requester_name = "Maija Meikäläinen"
    received_on = factory.LazyFunction(timezone.localdate)
    due_on = factory.LazyAttribute(lambda o: due_date(o.received_on))


def make_request(
    *,
    by,
    types: list[str] | None = None,
    received_on: date | None = None,
    customer=None,
    channel: str = Channel.LETTER,
    language: str = "fi",
    **extra,
) -> DataSubjectRequest:
    """Register a request through the service, as the privacy officer would."""
    return register_request(
        types=types or [RequestType.ACCESS],
        channel=channel,
        requester_name=extra.pop("requester_name", "Maija Meikäläinen"),
        requester_address=extra.pop("requester_address", "Kauppakatu 1\n80100 Joensuu"),
        received_on=received_on or timezone.localdate(),
        customer=customer,
        language=language,
        by=by,
        **extra,
    ).request


def settle_all(dsar: DataSubjectRequest, *, by) -> None:
    """Mark every part of the request done, as the privacy officer would after doing it."""
    from dsar.services import settle, unsettled

    for kind in unsettled(dsar):
        settle(dsar=dsar, type=kind, outcome="done", note="Tehty", by=by)
