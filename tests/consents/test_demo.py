"""The demo loader's consents, bans, restriction, recipients and disclosures."""

from __future__ import annotations

import pytest

from accounts.demo import load_demo_staff
from consents.demo import load_demo_choices
from consents.models import (
    AudienceExport,
    Ban,
    ConsentEvent,
    Disclosure,
    ExportStatus,
    Recipient,
)
from customers.demo import load_demo_register
from privacy.models import Restriction

pytestmark = pytest.mark.django_db


def test_demo_choices_fill_every_part_and_keep_the_rules():
    load_demo_staff()
    load_demo_register(people=80)
    events = load_demo_choices()
    assert events == ConsentEvent.objects.count() > 20
    assert Ban.objects.exists() and Restriction.objects.in_force().count() == 1
    export = AudienceExport.objects.get()
    assert export.status == ExportStatus.DONE and export.written > 0
    restricted = Restriction.objects.get().customer
    assert not export.disclosure.subjects.filter(pk=restricted.pk).exists()
    american = Recipient.objects.get(country="US")
    assert not american.may_receive and not Disclosure.objects.filter(recipient=american).exists()
    assert Disclosure.objects.filter(request_reference="ISPL-2026-4471").count() == 1
