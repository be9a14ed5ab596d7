"""Publishing: who and when, immutability, and the privacy officer's review page."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.db import ProgrammingError, connection, transaction
from django.test import Client
from django.utils import timezone

from notice.models import NoticeSection, NoticeVersion
from notice.services import current_draft, publish
from tests.notice.factories import publish_draft

REFUSED = ProgrammingError  # pgtrigger.Protect raises in the database


def test_publishing_records_who_and_when_and_keeps_both_languages(db, privacy_officer):
    before = timezone.now()
    version = publish_draft(privacy_officer)
    assert version.number == 2
    assert version.published_by == privacy_officer
    assert version.published_at >= before
    assert version.effective_on == timezone.localdate()
    assert version.facts["policies"]
    assert [s.number for s in version.sections_in("fi")] == list(range(17))
    assert [s.number for s in version.sections_in("en")] == list(range(17))
    assert NoticeVersion.objects.current() == version


def test_a_published_version_never_changes(db, privacy_officer):
    version = publish_draft(privacy_officer)
    section = version.sections.get(language="fi", number=11)
    with pytest.raises(REFUSED), transaction.atomic():
        NoticeSection.objects.filter(pk=section.pk).update(body="Säilytämme kaiken ikuisesti.")
    with pytest.raises(REFUSED), transaction.atomic():
        NoticeSection.objects.filter(pk=section.pk).delete()
    with pytest.raises(REFUSED), transaction.atomic():
        NoticeVersion.objects.filter(pk=version.pk).update(effective_on="2018-01-01")
    with pytest.raises(REFUSED), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM notice_noticesection; DELETE FROM notice_noticeversion")
    section.refresh_from_db()
    assert "Säilytämme kaiken" not in section.body


def test_publishing_what_was_not_reviewed_is_refused(db, privacy_officer, feedback_kept):
    reviewed = current_draft().digest
    feedback_kept(6)
    with pytest.raises(ValidationError):
        publish(by=privacy_officer, reviewed_digest=reviewed)
    assert NoticeVersion.objects.count() == 1


def test_publishing_the_same_text_twice_is_refused(db, privacy_officer):
    publish_draft(privacy_officer)
    with pytest.raises(ValidationError):
        publish_draft(privacy_officer)
    assert NoticeVersion.objects.count() == 2


def test_only_the_privacy_officer_reviews_and_publishes(db, cast, client_for):
    front_page = client_for(cast["privacy_officer"]).get("/").content.decode()
    assert 'href="/jarjestelma/tietosuojaseloste/">Tietosuojaseloste</a>' in front_page
    for name in ("clerk", "supervisor", "marketer", "outsider"):
        client = client_for(cast[name])
        assert "/jarjestelma/tietosuojaseloste/" not in client.get("/").content.decode()
        assert client.get("/jarjestelma/tietosuojaseloste/").status_code == 403, name
        response = client.post(
            "/jarjestelma/tietosuojaseloste/julkaise/", {"digest": current_draft().digest}
        )
        assert response.status_code == 403, name
    assert NoticeVersion.objects.count() == 1
    assert Client().get("/jarjestelma/tietosuojaseloste/").status_code == 302


def test_review_marks_the_differences_section_by_section(
    db, privacy_officer, client_for, django_assert_max_num_queries
):
    client = client_for(privacy_officer)
    with django_assert_max_num_queries(15):
        response = client.get("/jarjestelma/tietosuojaseloste/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Tietosuojaseloste: luonnos julkaistun version rinnalla" in page
    assert re.search(r"<ins>[^<]*lakisääteinen velvoite", page)  # the new basis, marked
    assert "<del>" in page
    assert 'id="compare-14"' in page and "ei muutoksia" in page  # §14 is unchanged
    assert "Julkaise versiona 2" in page
    english = client.get("/jarjestelma/tietosuojaseloste/?lang=en").content.decode()
    # Nothing was published in English in 2018: the whole English draft is new.
    assert re.search(r"<ins>[^<]*Call recordings are kept for 30 days\.", english)


def test_publishing_from_the_review_page(db, privacy_officer, client_for):
    client = client_for(privacy_officer)
    digest = current_draft().digest
    response = client.post(
        "/jarjestelma/tietosuojaseloste/julkaise/", {"digest": digest}, follow=True
    )
    assert "Tietosuojaselosteen versio 2 on julkaistu." in response.content.decode()
    assert NoticeVersion.objects.current().published_by == privacy_officer
    # A stale form is refused with a message, not an error page.
    response = client.post("/jarjestelma/tietosuojaseloste/julkaise/", {"digest": "x"}, follow=True)
    assert response.status_code == 200
    assert "Ilmoitukset muuttuivat" in response.content.decode()
