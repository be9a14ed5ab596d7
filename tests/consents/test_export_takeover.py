"""An audience export whose worker died mid-run is taken over and written once, from the start.

The dead worker is simulated in the database: the export is left running with an old heartbeat
(and, where it matters, a half-written stored copy), as a killed process would leave it.
"""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.core.files.base import ContentFile
from django.db.models import F
from django.utils import timezone

from consents import services
from consents.audiences import AudienceFilters
from consents.models import AudienceExport, ContactChannel, Disclosure, ExportStatus, copy_path
from consents.services import audience_export_request, audience_export_run, consent_give
from consents.tasks import export_audience
from jobs.models import Job
from tests.consents.factories import RecipientFactory
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def storage():
    return Disclosure._meta.get_field("copy").storage


@pytest.fixture
def queued(clerk, marketer, email_marketing) -> AudienceExport:
    """A queued export of three people with consent."""
    for _ in range(3):
        consent_give(
            customer=CustomerFactory(), purpose="email-marketing", channel="phone", by=clerk
        )
    return audience_export_request(
        purpose=email_marketing,
        channel=ContactChannel.EMAIL,
        filters=AudienceFilters(),
        recipient=RecipientFactory(),
        fmt="csv",
        by=marketer,
    )


def left_running(export: AudienceExport, *, minutes_ago: int, half_written: str = "") -> None:
    """Leave the export as a worker killed `minutes_ago` would: running, part written."""
    last_sign = timezone.now() - timedelta(minutes=minutes_ago)
    AudienceExport.objects.filter(pk=export.pk).update(
        status=ExportStatus.RUNNING,
        attempt=1,
        started_at=last_sign - timedelta(minutes=1),
        heartbeat_at=last_sign,
        written=2,
        copy_in_progress=half_written,
    )


def test_a_running_export_with_a_stale_heartbeat_is_taken_over_and_disclosed_once(queued, settings):
    settings.AUDIENCE_EXPORT_STALE_MINUTES = 10
    half = storage().save(copy_path(None, "x.csv"), ContentFile(b"\xef\xbb\xbfAsiakasnro;Etu"))
    left_running(queued, minutes_ago=11, half_written=half)

    export = audience_export_run(export_id=queued.pk)

    assert export.status == ExportStatus.DONE
    assert export.attempt == 2 and export.written == 3 and export.copy_in_progress == ""
    disclosure = Disclosure.objects.get()
    assert export.disclosure == disclosure and disclosure.subject_count == 3
    assert not storage().exists(half)
    assert storage().exists(disclosure.copy.name)
    with disclosure.copy.open("rb") as handle:
        assert len(handle.read().decode("utf-8-sig").splitlines()) == 4
    # Delivered once more after it finished: nothing is written twice.
    assert audience_export_run(export_id=queued.pk) is None
    assert Disclosure.objects.count() == 1


def test_a_running_export_with_a_fresh_heartbeat_is_left_to_its_worker(queued, settings):
    settings.AUDIENCE_EXPORT_STALE_MINUTES = 10
    left_running(queued, minutes_ago=9)
    assert audience_export_run(export_id=queued.pk) is None
    export = AudienceExport.objects.get(pk=queued.pk)
    assert (export.status, export.attempt, export.written) == (ExportStatus.RUNNING, 1, 2)
    assert not export.is_stuck
    assert not Disclosure.objects.exists()


def test_a_job_taken_over_mid_run_discloses_nothing_and_leaves_no_file(queued, media_root):
    real_write = services.write_audience

    def write_then_lose_the_claim(*args, **kwargs):
        ids = real_write(*args, **kwargs)
        # Meanwhile the export went stale and another job claimed it.
        AudienceExport.objects.filter(pk=queued.pk).update(attempt=F("attempt") + 1)
        return ids

    with mock.patch.object(services, "write_audience", write_then_lose_the_claim):
        assert audience_export_run(export_id=queued.pk) is None

    export = AudienceExport.objects.get(pk=queued.pk)
    assert export.status == ExportStatus.RUNNING and export.attempt == 2
    assert not Disclosure.objects.exists()
    assert not [path for path in media_root.rglob("*") if path.is_file()]


def test_a_job_that_loses_its_claim_while_storing_removes_its_copy(queued, media_root):
    real_save = storage().save

    def save_then_lose_the_claim(name, content, *args, **kwargs):
        saved = real_save(name, content, *args, **kwargs)
        AudienceExport.objects.filter(pk=queued.pk).update(attempt=F("attempt") + 1)
        return saved

    with mock.patch.object(storage(), "save", save_then_lose_the_claim):
        assert audience_export_run(export_id=queued.pk) is None
    assert not Disclosure.objects.exists()
    assert not [path for path in media_root.rglob("*") if path.is_file()]


def test_a_failed_run_leaves_no_stored_copy(queued, media_root):
    with mock.patch.object(services, "disclosure_record", side_effect=RuntimeError("boom")):
        export = audience_export_run(export_id=queued.pk)
    assert export.status == ExportStatus.FAILED and export.copy_in_progress == ""
    assert not [path for path in media_root.rglob("*") if path.is_file()]


def test_a_redelivered_job_looks_again_later_while_the_export_runs(queued, settings):
    settings.AUDIENCE_EXPORT_STALE_MINUTES = 10
    left_running(queued, minutes_ago=1)
    with (
        mock.patch.object(export_audience, "retry", side_effect=RuntimeError("retry")) as retry,
        pytest.raises(RuntimeError, match="retry"),
    ):
        export_audience.run(queued.pk)
    retry.assert_called_once_with(countdown=600)


def test_a_redelivered_job_takes_over_a_stale_export(queued, settings):
    settings.AUDIENCE_EXPORT_STALE_MINUTES = 10
    left_running(queued, minutes_ago=30)
    with mock.patch.object(export_audience, "retry") as retry:
        export_audience.run(queued.pk)
    retry.assert_not_called()
    assert AudienceExport.objects.get(pk=queued.pk).status == ExportStatus.DONE


def test_marketer_sees_a_stuck_export_and_starts_it_again(
    queued, marketer, client_for, settings, django_capture_on_commit_callbacks
):
    settings.AUDIENCE_EXPORT_STALE_MINUTES = 10
    left_running(queued, minutes_ago=45)
    client = client_for(marketer)

    progress = client.get(f"/markkinointi/viennit/{queued.pk}/tila/").json()
    assert progress["stuck"] and progress["label"] == "Vienti on pysähtynyt."
    page = client.get(f"/markkinointi/viennit/{queued.pk}/").content.decode()
    assert "Pysähtynyt" in page and "Käynnistä vienti uudelleen" in page
    assert "Pysähtynyt" in client.get("/markkinointi/kohderyhmat/").content.decode()

    with (
        mock.patch.object(export_audience, "apply_async") as publish,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(f"/markkinointi/viennit/{queued.pk}/uudelleen/", follow=True)
    publish.assert_called_once()
    assert publish.call_args.kwargs["args"] == [queued.pk]
    assert Job.objects.of("consents.tasks.export_audience", queued.pk).count() == 2
    assert "Vienti käynnistettiin uudelleen." in response.content.decode()

    # The job it queued takes the export over.
    assert audience_export_run(export_id=queued.pk).status == ExportStatus.DONE
    assert Disclosure.objects.count() == 1


def test_an_export_that_is_not_stuck_is_not_started_again(
    queued, marketer, client_for, django_capture_on_commit_callbacks
):
    left_running(queued, minutes_ago=1)
    client = client_for(marketer)
    assert (
        "Käynnistä vienti uudelleen"
        not in client.get(f"/markkinointi/viennit/{queued.pk}/").content.decode()
    )
    with django_capture_on_commit_callbacks() as callbacks:
        client.post(f"/markkinointi/viennit/{queued.pk}/uudelleen/")
    assert callbacks == []


@pytest.mark.parametrize("role", ["clerk", "outsider"])
def test_only_marketing_may_start_an_export_again(queued, cast, role, client_for):
    left_running(queued, minutes_ago=45)
    response = client_for(cast[role]).post(f"/markkinointi/viennit/{queued.pk}/uudelleen/")
    assert response.status_code == 403


def test_an_export_waiting_for_the_job_service_is_sent_again_by_the_retry_button(
    queued, marketer, client_for
):
    # The export's job was recorded, and the broker never accepted it (this test's transaction
    # never commits, as if Redis had been down).
    client = client_for(marketer)
    page = client.get(f"/markkinointi/viennit/{queued.pk}/").content.decode()
    assert "Odottaa tehtäväpalvelua" in page
    assert "Lähetä vienti uudelleen tehtäväpalvelulle" in page
    assert "Odottaa tehtäväpalvelua" in client.get("/markkinointi/kohderyhmat/").content.decode()

    (job,) = Job.objects.of("consents.tasks.export_audience", queued.pk)
    with mock.patch.object(export_audience, "apply_async") as publish:
        response = client.post(f"/markkinointi/viennit/{queued.pk}/uudelleen/", follow=True)
    assert "Vienti käynnistettiin uudelleen." in response.content.decode()
    publish.assert_called_once()
    assert publish.call_args.kwargs["task_id"] == str(job.uuid)  # the recorded job, not a new one
    assert Job.objects.count() == 1
    page = client.get(f"/markkinointi/viennit/{queued.pk}/").content.decode()
    assert "Odottaa vuoroaan…" in page and "Odottaa tehtäväpalvelua" not in page
