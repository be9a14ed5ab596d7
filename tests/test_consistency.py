"""One way to say a thing everywhere (issue 17, item 8): phone numbers through one filter, a
count and its noun through ngettext (Finnish: "1 päivä", "2 päivää"), one label for an empty
choice."""

from __future__ import annotations

import re
from pathlib import Path

import polib
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
CATALOGUE = ROOT / "locale" / "fi" / "LC_MESSAGES" / "django.po"

# A number placeholder (%(x)d, or a %(x)s named as a count) then an English plural noun,
# perhaps after an adjective: "%(n)d days left", "%(total)s people", "%(rows)d failed rows".
_COUNT_NAMES = "count|counter|total|rows|files|written|n|number_of|people"
COUNT_THEN_NOUN = re.compile(
    rf"%\((?:\w+\)d|(?:{_COUNT_NAMES})\)s)\s+(?!was\b|has\b|is\b)(?:[a-z-]+\s+)?(?:people|[a-z]+s)\b"
)
# Strings with a count and a noun that are right for every number as they stand, and why.
COUNT_WITHOUT_PLURAL = {
    # Finnish puts a noun after a numeral in the singular in these cases (translative,
    # genitive, adessive): "1 minuutiksi", "15 minuutiksi"; "5 epäonnistuneen yrityksen jälkeen".
    "signing in is locked for %(minutes)d minutes after %(failures)d failed attempts",
    "a session left idle ends after %(minutes)d minutes",
    "Resumed %(day)s after %(days)d days; due %(due)s.",
    "Extended by %(months)d months, due %(due)s: %(reason)s",
    "Retention in the next %(days)d days",
    "These requests are due within %(days)d days or overdue:",
    # The noun comes first in Finnish: "Sähköposteja lähetetään 1".
    "%(email)d emails are being sent, %(letter)d letters to post, "
    "%(unreachable)d people cannot be reached.",
    # The noun comes first in Finnish: "kirjoitettuja henkilöitä 1".
    "The export has stopped: its job has not reported since %(time)s (%(written)s people "
    "written). Nothing was disclosed. Start it again to write the file from the beginning.",
    # Shown only for an estimate, which only a register of many thousands gets.
    "About %(count)s customers in the register.",
    # Limits of a field: never 1.
    "The text is too long: at most %(count)d characters.",
    "The source is longer than %(count)d characters.",
}


def test_a_count_and_its_noun_are_translated_with_plural_forms():
    singular_only = [
        entry.msgid
        for entry in polib.pofile(str(CATALOGUE))
        if not entry.obsolete
        and not entry.msgid_plural
        and COUNT_THEN_NOUN.search(entry.msgid)
        and entry.msgid not in COUNT_WITHOUT_PLURAL
    ]
    assert singular_only == [], (
        "Write these with ngettext / {% blocktranslate count %} (Finnish: 1 päivä, 2 päivää)"
    )


def test_finnish_plural_entries_use_the_singular_for_one_and_the_partitive_for_more():
    for entry in polib.pofile(str(CATALOGUE)):
        if entry.obsolete or not entry.msgid_plural:
            continue
        one, many = entry.msgstr_plural[0], entry.msgstr_plural[1]
        assert one and many, entry.msgid
        # Nominative plurals after a number are the mistake this catches ("6 poistoajot").
        assert not re.search(r"%\(\w+\)[sd] \w+(?:ot|et|at|ät|öt|it)\b", many), (entry.msgid, many)
