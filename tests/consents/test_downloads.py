"""Every download of an audience export or a disclosure's copy is in the access log, naming the
disclosure and how many people it holds, never who they are; an export is downloaded only by the
marketer who made it and the privacy officer (issue 15, item 2)."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType

from accounts.roles import Role
from audit.models import AccessAction, AccessLogEntry
from consents.models import AudienceExport, Channel, Disclosure
from consents.services import consent_give
from tests.conftest import make_user
from tests.consents.test_pages import ROLES, make_export
from tests.customers.factories import CustomerFactory


@pytest.fixture
def people(clerk):
    """Three people an email-marketing export holds."""
    found = [CustomerFactory(email=f"henkilo{n}@example.fi") for n in range(3)]
    for person in found:
        consent_give(customer=person, purpose="email-marketing", channel=Channel.PHONE, by=clerk)
    return found


def download(client, export: AudienceExport):
    response = client.get(f"/markkinointi/viennit/{export.pk}/lataa/")
    if response.status_code == 200:
        b"".join(response.streaming_content)
    return response


@pytest.mark.parametrize("role", ROLES)
def test_an_export_is_downloaded_by_its_maker_and_the_privacy_officer_only(
    cast, role, people, client_for
):
    export = make_export(cast["marketer"])
    allowed = {"marketer", "privacy_officer"}
    response = download(client_for(cast[role]), export)
    assert response.status_code == (200 if role in allowed else 403)
    logged = AccessLogEntry.objects.filter(action=AccessAction.DOWNLOAD, user=cast[role])
    assert logged.count() == (1 if role in allowed else 0)


def test_another_marketer_cannot_download_or_see_the_link(marketer, people, client_for):
    export = make_export(marketer)
    colleague = client_for(make_user("marketer2", Role.MARKETING))
    assert download(colleague, export).status_code == 403
    assert "/lataa/" not in colleague.get(f"/markkinointi/viennit/{export.pk}/").content.decode()
    assert (
        "/lataa/"
        in client_for(marketer).get(f"/markkinointi/viennit/{export.pk}/").content.decode()
    )
    assert not AccessLogEntry.objects.filter(action=AccessAction.DOWNLOAD).exists()


def test_an_export_download_names_the_disclosure_and_counts_its_people(
    marketer, people, client_for
):
    export = make_export(marketer)
    assert download(client_for(marketer), export).status_code == 200
    entry = AccessLogEntry.objects.get(action=AccessAction.DOWNLOAD)
    assert entry.user == marketer
    assert entry.subject_type == ContentType.objects.get_for_model(Disclosure)
    assert entry.subject_id == export.disclosure_id
    assert (entry.object_type.model, entry.object_id) == ("audienceexport", export.pk)
    assert entry.people == export.disclosure.subject_count == 3
    assert entry.at is not None


def test_a_disclosure_copy_download_is_logged(privacy_officer, marketer, people, client_for):
    export = make_export(marketer)
    response = client_for(privacy_officer).get(f"/luovutukset/{export.disclosure_id}/kopio/")
    assert response.status_code == 200
    b"".join(response.streaming_content)
    entry = AccessLogEntry.objects.get(action=AccessAction.DOWNLOAD)
    assert (entry.user, entry.action, entry.subject_id) == (
        privacy_officer,
        AccessAction.DOWNLOAD,
        export.disclosure_id,
    )
    assert entry.people == 3


def test_a_download_log_entry_holds_no_personal_data(marketer, people, client_for):
    export = make_export(marketer)
    download(client_for(marketer), export)
    row = AccessLogEntry.objects.filter(action=AccessAction.DOWNLOAD).values().get()
    text = " ".join(str(value) for value in row.values())
    for person in people:
        for value in (person.first_name, person.last_name, person.email):
            assert value not in text
