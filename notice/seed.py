"""The notice published on 25.5.2018, read from its text into its title and 16 sections.

Pure functions only: the data migration that imports the seed as version 1 uses them.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

SEED_PATH = Path(__file__).resolve().parent / "seed" / "tietosuojaseloste-2018-05-25.txt"
SEED_DATE = date(2018, 5, 25)

# The seed's headings as it prints them; sections 2 and 3 put their text on the heading's line.
SEED_HEADINGS = (
    "Rekisterinpitäjä",
    "Tietosuojavastaavan yhteystiedot",
    "Rekisteriasioissa yhteystiedot",
    "Rekisterin nimi",
    "Henkilötietojen käsittelyn tarkoitus ja peruste",
    "Kuvaus rekisterinpitäjän oikeutetusta edusta",
    "Rekisterin tietosisältö",
    "Tietolähde ja kuvaus tietolähteistä, mikäli tiedot on kerätty julkisista lähteistä",
    "Henkilötietojen vastaanottajat",
    "Henkilötiedon siirrot kolmanteen maahan tai kansainväliselle järjestölle ja käytetyt "
    "suojatakeet",
    "Henkilötietojen säilytysaika tai säilytysajan määrittämisen kriteerit",
    "Rekisteröidyn oikeudet",
    "Suostumuksen peruuttaminen",
    "Henkilötiedon antamatta jättämisen vaikutukset sopimukselle",
    "Automatisoidun päätöksenteon tai profiloinnin merkitykselliset tiedot",
    "Henkilötietojen käsittelyn vaikutukset ja yleinen kuvaus teknisistä ja organisatorisista "
    "turvatoimista",
)

_NUMBERED = re.compile(r"^(\d{1,2})\. (.+)$")


def parse(text: str) -> list[tuple[int, str, str]]:
    """Return (number, heading, body) for the title (0) and each numbered section, in order.

    Raises ValueError unless the text has the title and sections 1–16 in order.
    """
    sections: list[tuple[int, str, list[str]]] = []
    title = ""
    expected = 1
    for raw in text.splitlines():
        line = raw.strip()
        match = _NUMBERED.match(line)
        if match and int(match.group(1)) == expected:
            number, rest = expected, match.group(2).strip()
            heading = SEED_HEADINGS[number - 1]
            if not rest.startswith(heading):
                raise ValueError(f"Section {number} is not headed {heading!r}.")
            sections.append((number, heading, [rest[len(heading) :].strip()]))
            expected += 1
        elif sections:
            sections[-1][2].append(line)
        elif line and not title:
            title = line
    if expected != 17 or not title:
        raise ValueError("The notice must have a title and sections 1–16 in order.")
    return [(0, title, "")] + [
        (number, heading, _paragraphs(lines)) for number, heading, lines in sections
    ]


def _paragraphs(lines: list[str]) -> str:
    """Join lines into paragraphs separated by one blank line; list items stay together."""
    blocks: list[list[str]] = [[]]
    for line in lines:
        if not line:
            if blocks[-1]:
                blocks.append([])
            continue
        previous_is_item = bool(blocks[-1]) and blocks[-1][-1].startswith("- ")
        if line.startswith("- ") and blocks[-1] and not previous_is_item:
            blocks.append([])
        blocks[-1].append(line)
    # In the seed, list items stand in paragraphs of their own; keep one list together.
    merged: list[list[str]] = []
    for block in blocks:
        if not block:
            continue
        is_list = all(item.startswith("- ") for item in block)
        if is_list and merged and all(item.startswith("- ") for item in merged[-1]):
            merged[-1].extend(block)
        else:
            merged.append(block)
    return "\n\n".join("\n".join(block) for block in merged)


def read_seed() -> list[tuple[int, str, str]]:
    return parse(SEED_PATH.read_text(encoding="utf-8"))


def import_seed(version_model: type, section_model: type) -> None:
    """Create version 1 from the seed unless it exists (the data migration; tests after a flush).

    Takes the model classes, so the migration can pass its historical ones.
    """
    if version_model.objects.filter(number=1).exists():
        return
    version = version_model.objects.create(
        number=1,
        effective_on=SEED_DATE,
        published_at=datetime(
            SEED_DATE.year, SEED_DATE.month, SEED_DATE.day, tzinfo=ZoneInfo("Europe/Helsinki")
        ),
        published_by=None,
        facts=None,
    )
    section_model.objects.bulk_create(
        section_model(version=version, language="fi", number=number, heading=heading, body=body)
        for number, heading, body in read_seed()
    )
