"""An audience export through the real Redis broker and a real Celery worker, with the progress
the page polls."""

from __future__ import annotations

from consents.models import AudienceExport, Disclosure, ExportStatus
from consents.services import consent_give
from tests.consents.factories import RecipientFactory
from tests.customers.factories import CustomerFactory
from tests.waiting import wait_until


def test_export_runs_in_a_worker_and_the_page_follows_it(
    celery_worker, clerk, marketer, client_for
):
    people = [CustomerFactory() for _ in range(25)]
    for person in people[:20]:
        consent_give(customer=person, purpose="email-marketing", channel="phone", by=clerk)
    client = client_for(marketer)
    response = client.post(
        "/markkinointi/viennit/",
        {"purpose": "email-marketing", "recipient": RecipientFactory().pk, "format": "csv"},
    )
    assert response.status_code == 302

    def finished() -> AudienceExport | None:
        export = AudienceExport.objects.get()
        return export if export.is_finished else None

    export = wait_until(finished, what="the export job to finish")
    assert export.status == ExportStatus.DONE and export.written == 20

    progress = client.get(f"/markkinointi/viennit/{export.pk}/tila/").json()
    assert progress["status"] == "done" and progress["percent"] == 100 and progress["finished"]
    page = client.get(f"/markkinointi/viennit/{export.pk}/").content.decode()
    assert "20 henkilöä viety." in page and "Lataa tiedosto" in page

    disclosure = Disclosure.objects.get()
    assert disclosure.subject_count == 20 and disclosure.audience_export == export
    download = client.get(f"/markkinointi/viennit/{export.pk}/lataa/")
    lines = b"".join(download.streaming_content).decode("utf-8-sig").splitlines()
    assert len(lines) == 21
    assert {line.split(";")[0] for line in lines[1:]} == {p.customer_number for p in people[:20]}
