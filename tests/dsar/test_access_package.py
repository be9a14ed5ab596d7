"""The access package (GDPR Art. 15): built from the declarations, every declared model and
file in it, the Art. 15 information in its readable document, items withheld with a reason,
downloads logged, deleted 30 days after the request closes."""

from __future__ import annotations

import json
import zipfile
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from audit.models import AccessAction, AccessLogEntry, AccessPurpose
from consents.models import Disclosure
from dsar import access, services
from dsar.models import AccessPackage, IdentityMethod, PackageStatus, WorkflowError
from dsar.personal_data import PACKAGES_30_DAYS
from jobs.models import Job
from privacy import retention
from privacy.declarations import Basis, Category, registry
from tests.calls.factories import CallRecordingFactory
from tests.consents.factories import RecipientFactory
from tests.customers.factories import CustomerFactory
from tests.dsar.factories import make_request
from tests.feedback.factories import FeedbackFactory

pytestmark = pytest.mark.django_db
HELSINKI = ZoneInfo("Europe/Helsinki")


@pytest.fixture
def person_with_data(privacy_officer):
    person = CustomerFactory(first_name="Aino", last_name="Mäkinen")
    recording = CallRecordingFactory(customer=person)
    FeedbackFactory(customer=person, text="Hyvää palvelua")
    FeedbackFactory(customer=person, text="Toisen asiakkaan nimi mainittu")
    disclosure = Disclosure.objects.create(
        recipient=RecipientFactory(name="Tutkimus Oy"),
        basis=Basis.CONSENT,
        mandate="DPA",
        categories=[Category.BASIC],
        disclosed_by=privacy_officer,
    )
    disclosure.subjects.add(person)
    AccessLogEntry.record(
        actor=privacy_officer,
        action=AccessAction.VIEW,
        purpose=AccessPurpose.CUSTOMER_SERVICE,
        subject=person,
    )
    return person, recording


def _verified_request(by, person, language="fi"):
    dsar = make_request(by=by, customer=person, types=["access"], language=language)
    services.verify_identity(dsar=dsar, method=IdentityMethod.ID_DOCUMENT, note="", by=by)
    return dsar


def _built(dsar, by, django_capture_on_commit_callbacks, monkeypatch):
    from dsar import tasks

    queued = []
    monkeypatch.setattr(
        tasks.build_access_package, "apply_async", lambda **kw: queued.append(kw["args"])
    )
    with django_capture_on_commit_callbacks(execute=True):
        package = access.start_package(dsar=dsar, by=by)
    assert queued == [[package.pk]]  # the job gets the id only, after commit
    assert Job.objects.of(access.BUILD_JOB, package.pk).exists()  # recorded with its cause
    tasks.build_access_package(package.pk)
    package.refresh_from_db()
    return package


def _contents(package):
    with package.file.open("rb") as stored, zipfile.ZipFile(stored) as archive:
        names = archive.namelist()
        data = json.loads(archive.read("tiedot.json"))
        html = next(archive.read(n).decode() for n in names if n.endswith(".html"))
        files = {n: archive.read(n) for n in names if n.startswith("tiedostot/")}
    return data, html, files


def test_the_package_covers_every_declared_model_and_file(
    privacy_officer, person_with_data, django_capture_on_commit_callbacks, monkeypatch
):
    person, recording = person_with_data
    dsar = _verified_request(privacy_officer, person)
    package = _built(dsar, privacy_officer, django_capture_on_commit_callbacks, monkeypatch)
    assert package.status == PackageStatus.READY and package.progress == 100
    data, html, files = _contents(package)
    assert set(data["data"]) == {d.model_class._meta.label_lower for d in registry.declarations()}
    customer = data["data"]["customers.customer"]
    assert customer["rows"][0]["first_name"] == "Aino"
    assert customer["fields"]["first_name"] == "etunimi"
    assert len(data["data"]["feedback.feedback"]["rows"]) == 2
    recording.audio.open("rb")
    audio = recording.audio.read()
    assert audio in files.values()  # the recording itself, as audio
    # Art. 15: recipients by name, purposes, retention, rights, no automated decisions, views.
    assert "Tutkimus Oy" in html
    assert "Tietosuojavaltuutetun toimisto" in html
    assert "automaattisia päätöksiä" in html
    assert "Asiakaspalvelu" in html  # the purpose of the logged view
    assert privacy_officer.username not in json.dumps(data["views_of_the_record"])
    assert data["views_of_the_record"]


def test_an_english_request_gets_an_english_document(
    privacy_officer, person_with_data, django_capture_on_commit_callbacks, monkeypatch
):
    person, _recording = person_with_data
    dsar = _verified_request(privacy_officer, person, language="en")
    package = _built(dsar, privacy_officer, django_capture_on_commit_callbacks, monkeypatch)
    _data, html, _files = _contents(package)
    assert "Data Protection Ombudsman" in html and "no automated decisions" in html


def test_a_withheld_item_is_absent_with_its_reason(
    privacy_officer, person_with_data, django_capture_on_commit_callbacks, monkeypatch
):
    from dsar import tasks

    person, _recording = person_with_data
    dsar = _verified_request(privacy_officer, person)
    package = _built(dsar, privacy_officer, django_capture_on_commit_callbacks, monkeypatch)
    other = person.feedback.get(text__contains="Toisen")
    with pytest.raises(ValidationError):
        access.withhold(
            package=package, item=f"feedback.feedback#{other.pk}", reason=" ", by=privacy_officer
        )
    monkeypatch.setattr(tasks.build_access_package, "apply_async", lambda **kw: None)
    with django_capture_on_commit_callbacks(execute=True):
        access.withhold(
            package=package,
            item=f"feedback.feedback#{other.pk}",
            reason="Toisen henkilön tietoja",
            by=privacy_officer,
        )
    tasks.build_access_package(package.pk)
    package.refresh_from_db()
    data, html, _files = _contents(package)
    texts = [row["text"] for row in data["data"]["feedback.feedback"]["rows"]]
    assert texts == ["Hyvää palvelua"]
    assert package.withheld.get().reason == "Toisen henkilön tietoja"
    assert "15 artiklan 4 kohta" in html
    access.release(package=package, by=privacy_officer)
    assert package.status == PackageStatus.RELEASED


def test_no_package_before_identity_is_verified(privacy_officer):
    dsar = make_request(by=privacy_officer, customer=CustomerFactory(), types=["access"])
    with pytest.raises(WorkflowError):
        access.start_package(dsar=dsar, by=privacy_officer)
    assert not AccessPackage.objects.exists()


def test_the_download_is_logged(
    client_for, privacy_officer, person_with_data, django_capture_on_commit_callbacks, monkeypatch
):
    person, _recording = person_with_data
    dsar = _verified_request(privacy_officer, person)
    package = _built(dsar, privacy_officer, django_capture_on_commit_callbacks, monkeypatch)
    before = AccessLogEntry.objects.about(person).filter(action=AccessAction.DOWNLOAD).count()
    response = client_for(privacy_officer).get(
        reverse("admin:dsar_datasubjectrequest_package", args=[dsar.pk, package.pk])
    )
    assert response.status_code == 200
    after = AccessLogEntry.objects.about(person).filter(action=AccessAction.DOWNLOAD).count()
    assert after == before + 1


def test_the_package_goes_30_days_after_the_request_closes(
    privacy_officer, person_with_data, django_capture_on_commit_callbacks, monkeypatch, media_root
):
    person, _recording = person_with_data
    with time_machine.travel(datetime(2027, 3, 1, 12, tzinfo=HELSINKI), tick=False):
        dsar = _verified_request(privacy_officer, person)
        package = _built(dsar, privacy_officer, django_capture_on_commit_callbacks, monkeypatch)
        stored = package.file.name
        access.release(package=package, by=privacy_officer)
        services.complete(
            dsar=dsar, summary="Paketti annettu", granted_in_full=True, by=privacy_officer
        )
    with time_machine.travel(datetime(2027, 3, 30, 12, tzinfo=HELSINKI), tick=False):
        retention.enforce(PACKAGES_30_DAYS)
        assert AccessPackage.objects.filter(pk=package.pk).exists()
    with time_machine.travel(datetime(2027, 4, 1, 12, tzinfo=HELSINKI), tick=False):
        retention.enforce(PACKAGES_30_DAYS)
    assert not AccessPackage.objects.filter(pk=package.pk).exists()
    assert not (media_root / stored).exists()


def test_portability_gives_json_and_csv_of_what_the_person_provided_on_consent_or_contract(
    privacy_officer, person_with_data, django_capture_on_commit_callbacks, monkeypatch
):
    person, _recording = person_with_data
    dsar = make_request(by=privacy_officer, customer=person, types=["portability"])
    services.verify_identity(
        dsar=dsar, method=IdentityMethod.ID_DOCUMENT, note="", by=privacy_officer
    )
    package = _built(dsar, privacy_officer, django_capture_on_commit_callbacks, monkeypatch)
    expected = {
        d.model_class._meta.label_lower for d in registry.declarations() if access.portable(d)
    }
    assert expected  # the declarations name some
    with package.file.open("rb") as stored, zipfile.ZipFile(stored) as archive:
        portable = json.loads(archive.read("siirrettavat/tiedot.json"))
        csvs = {
            n for n in archive.namelist() if n.startswith("siirrettavat/") and n.endswith(".csv")
        }
        first_csv = archive.read(sorted(csvs)[0]).decode("utf-8")
    assert set(portable) == expected
    assert csvs == {f"siirrettavat/{label}.csv" for label in expected}
    assert first_csv.startswith("\ufeff") and ";" in first_csv.splitlines()[0]
    for label in portable:
        declaration = registry.personal[label]
        assert declaration.basis in (Basis.CONSENT, Basis.CONTRACT)
    access.release(package=package, by=privacy_officer)
    assert dsar.outcomes.get(type="portability").outcome == "done"
