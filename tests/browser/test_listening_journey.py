from __future__ import annotations

import re

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from audit.models import AccessAction, AccessLogEntry, AccessPurpose
from calls.models import CallRecording
from tests.calls.factories import CallRecordingFactory
from tests.conftest import PASSWORD, current_code
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_a_supervisor_chooses_a_purpose_and_the_recording_plays(page, supervisor):
    customer = CustomerFactory(first_name="Aino", last_name="Kettunen")
    recording = CallRecordingFactory(customer=customer, queue="Ajanvaraus")
    device = TOTPDevice.objects.create(user=supervisor, name="default", confirmed=True)
    page.goto("/account/login/")
    page.get_by_label("Käyttäjätunnus").fill(supervisor.username)
    page.get_by_label("Salasana").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.get_by_label("Vahvistuskoodi").fill(current_code(device))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=re.compile("Tervetuloa"))).to_be_visible()

    page.goto("/puhelut/")
    expect(page.get_by_role("heading", name="Puhelutallenteet", level=1)).to_be_visible()
    expect(page.get_by_text("Aino Kettunen")).to_be_visible()
    page.get_by_role("link", name=re.compile(r"\d+\.\d+\.\d{4}")).click()

    expect(page.get_by_role("heading", name="Miksi kuuntelet tallenteen?")).to_be_visible()
    expect(page.locator("audio")).to_have_count(0)
    page.get_by_role("button", name="Kuuntele").click()
    expect(page.get_by_text("Valitse, miksi kuuntelet tallenteen.")).to_be_visible()
    expect(page.locator("audio")).to_have_count(0)

    page.get_by_label("Reklamaation selvittäminen").check()
    page.get_by_role("button", name="Kuuntele").click()

    audio = page.locator("audio")
    expect(audio).to_be_visible()
    expect(
        page.get_by_text("Kuuntelusi ja sen tarkoitus on kirjattu käyttölokiin.")
    ).to_be_visible()
    # The browser has loaded the audio through the permission-checked view.
    page.wait_for_function("() => document.querySelector('audio').readyState >= 1")
    assert page.evaluate("document.querySelector('audio').duration") > 0
    # Viewing the recording's page is logged as a view; the playback is one entry of its own.
    entry = AccessLogEntry.objects.get(action=AccessAction.PLAYBACK)
    assert entry.purpose == AccessPurpose.COMPLAINT and entry.object_id == recording.pk


def test_the_demo_registers_recordings_play_in_the_browser(page, supervisor, settings):
    """A supervisor trying the demo register finds a call by its number and listens to it."""
    from accounts.demo import load_demo_staff
    from calls.demo import load_demo_recordings
    from customers.demo import load_demo_register

    load_demo_staff()
    load_demo_register(people=20)
    load_demo_recordings(calls=3)
    recording = CallRecording.objects.exclude(customer=None).first()
    device = TOTPDevice.objects.create(user=supervisor, name="default", confirmed=True)
    page.goto("/account/login/")
    page.get_by_label("Käyttäjätunnus").fill(supervisor.username)
    page.get_by_label("Salasana").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.get_by_label("Vahvistuskoodi").fill(current_code(device))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=re.compile("Tervetuloa"))).to_be_visible()

    page.goto("/puhelut/")
    national = recording.caller_number.as_national
    page.get_by_label("Puhelinnumero").fill(national[:7])
    page.get_by_role("button", name="Rajaa").click()
    expect(page.get_by_role("cell", name=national).first).to_be_visible()
    page.get_by_role("link", name=re.compile(r"\d+\.\d+\.\d{4}")).first.click()
    page.get_by_label("Koulutus").check()
    page.get_by_role("button", name="Kuuntele").click()
    page.wait_for_function("() => document.querySelector('audio').readyState >= 1")
    assert page.evaluate("document.querySelector('audio').duration") > 0
