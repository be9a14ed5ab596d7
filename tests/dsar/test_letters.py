"""Letters render in Finnish and English; a rejection and a partial answer name the Data
Protection Ombudsman and the courts (GDPR Art. 12(4)); nothing is fetched while rendering."""

from __future__ import annotations

import pytest

from dsar import services
from dsar.letters import letter_html, render_letter
from dsar.models import IdentityMethod, LetterKind
from tests.dsar.factories import make_request

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("kind", list(LetterKind))
@pytest.mark.parametrize(
    ("language", "words"),
    [("fi", ["Viite", "Ystävällisin terveisin"]), ("en", ["Reference", "Yours sincerely"])],
)
def test_every_letter_renders_in_finnish_and_english(privacy_officer, kind, language, words):
    dsar = make_request(by=privacy_officer, language=language)
    html = letter_html(dsar, kind)
    assert dsar.reference in html
    for word in words:
        assert word in html
    pdf = render_letter(dsar, kind)
    assert pdf.startswith(b"%PDF")


@pytest.mark.parametrize(
    ("language", "ombudsman"),
    [("fi", "Tietosuojavaltuutetun toimisto"), ("en", "Data Protection Ombudsman")],
)
def test_a_rejection_names_the_ombudsman_and_the_courts(privacy_officer, language, ombudsman):
    dsar = make_request(by=privacy_officer, language=language)
    letter = services.reject(dsar=dsar, reason="Ilmeisen perusteeton", by=privacy_officer)
    html = letter_html(dsar, LetterKind.REJECTION)
    assert ombudsman in html
    assert ("tuomioistuimelta" if language == "fi" else "court") in html
    assert letter.file.read().startswith(b"%PDF")


def test_only_an_answer_that_does_not_grant_in_full_names_the_ombudsman(privacy_officer):
    dsar = make_request(by=privacy_officer)
    assert "Tietosuojavaltuutetun" not in letter_html(dsar, LetterKind.COMPLETION)
    assert "Tietosuojavaltuutetun" in letter_html(
        dsar, LetterKind.COMPLETION, granted_in_full=False
    )


def test_a_letter_fetches_nothing(privacy_officer, monkeypatch):
    from dsar import letters

    dsar = make_request(
        by=privacy_officer, requester_name='<img src="http://example.invalid/x.png">'
    )
    fetcher = letters._refusing_fetcher()
    monkeypatch.setattr(letters, "_refusing_fetcher", lambda: fetcher)
    monkeypatch.setattr(
        letters,
        "letter_html",
        lambda *a, **k: '<img src="http://example.invalid/x.png"><img src="file:///etc/passwd">',
    )
    assert render_letter(dsar, LetterKind.ACKNOWLEDGEMENT).startswith(b"%PDF")
    assert fetcher.refused == ["http://example.invalid/x.png", "file:///etc/passwd"]


def test_a_letter_is_marked_sent_once(privacy_officer):
    from datetime import date

    from django.core.exceptions import ValidationError
    from django.utils import timezone

    dsar = make_request(by=privacy_officer)
    services.verify_identity(
        dsar=dsar, method=IdentityMethod.STRONG_EID, note="", by=privacy_officer
    )
    letter = services.create_letter(dsar=dsar, kind=LetterKind.ACKNOWLEDGEMENT, by=privacy_officer)
    with pytest.raises(ValidationError):
        services.mark_letter_sent(
            letter=letter, sent_on=date(2999, 1, 1), method="post", by=privacy_officer
        )
    services.mark_letter_sent(
        letter=letter, sent_on=timezone.localdate(), method="email", by=privacy_officer
    )
    letter.refresh_from_db()
    assert letter.sent_method == "email" and letter.sent_by == privacy_officer
    with pytest.raises(ValidationError, match="jo merkitty"):
        services.mark_letter_sent(
            letter=letter, sent_on=timezone.localdate(), method="post", by=privacy_officer
        )
    assert dsar.timeline.filter(kind="letter_sent").count() == 1
