"""Rectification (Art. 16) from the request: the customer's edit form, the save linked to the
request, the timeline naming what changed from the change history."""

from __future__ import annotations

import pytest
from django.urls import reverse
from pghistory.models import Events

from dsar import services
from dsar.models import IdentityMethod
from tests.customers.factories import CustomerFactory
from tests.dsar.factories import make_request

pytestmark = pytest.mark.django_db


def _form_data(person, **changes):
    data = {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "street_address": person.street_address,
        "postal_code": person.postal_code,
        "city": person.city,
        "country": person.country or "FI",
        "email": person.email,
        "phone": str(person.phone or ""),
        "preferred_contact_method": person.preferred_contact_method,
        "preferred_language": person.preferred_language,
        "wishes": person.wishes,
        "interests": person.interests,
        "version": person.version,
    }
    data.update(changes)
    return data


def test_the_privacy_officer_rectifies_from_the_request(client_for, privacy_officer):
    person = CustomerFactory(last_name="Virhenen")
    dsar = make_request(by=privacy_officer, customer=person, types=["rectification"])
    client = client_for(privacy_officer)
    url = reverse("admin:dsar_datasubjectrequest_rectify", args=[dsar.pk])
    # Identity first.
    response = client.post(url, _form_data(person, last_name="Oikeanen"))
    assert response.status_code == 200
    person.refresh_from_db()
    assert person.last_name == "Virhenen"

    services.verify_identity(
        dsar=dsar, method=IdentityMethod.STRONG_EID, note="", by=privacy_officer
    )
    assert client.get(url).status_code == 200
    response = client.post(url, _form_data(person, last_name="Oikeanen"))
    assert response.status_code == 302, response.context["form"].errors
    person.refresh_from_db()
    assert person.last_name == "Oikeanen"
    entry = dsar.timeline.filter(kind="action").first()
    assert "sukunimi" in entry.text
    event = Events.objects.tracks(person).filter(pgh_label="update").latest("pgh_created_at")
    assert event.pgh_context["dsar_request"] == dsar.reference
    assert dsar.outcomes.get(type="rectification").outcome == "done"
