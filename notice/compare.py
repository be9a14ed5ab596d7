"""The draft beside the published version, section by section, with the differences marked."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_TOKENS = re.compile(r"\S+|\s+")


@dataclass(frozen=True)
class SectionComparison:
    number: int
    heading: str
    changed: bool
    published: SafeString
    draft: SafeString


def compare(
    published: list[tuple[int, str, str]], draft: list[tuple[int, str, str]]
) -> list[SectionComparison]:
    """Compare (number, heading, body) sections word by word; missing sections compare as empty."""
    old = {number: f"{heading}\n\n{body}".strip() for number, heading, body in published}
    new = {number: (heading, f"{heading}\n\n{body}".strip()) for number, heading, body in draft}
    numbers = sorted(set(old) | set(new))
    found = []
    for number in numbers:
        before = old.get(number, "")
        heading, after = new.get(number, ("", ""))
        removed, added = _marked(before, after)
        found.append(
            SectionComparison(
                number=number,
                heading=heading,
                changed=before != after,
                published=removed,
                draft=added,
            )
        )
    return found


def _marked(before: str, after: str) -> tuple[SafeString, SafeString]:
    """Return both texts escaped, with words only in the first in <del>, only in the second in
    <ins>."""
    a, b = _TOKENS.findall(before), _TOKENS.findall(after)
    left: list[str] = []
    right: list[str] = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        old, new = escape("".join(a[i1:i2])), escape("".join(b[j1:j2]))
        if op == "equal":
            left.append(old)
            right.append(new)
            continue
        if old:
            left.append(f"<del>{old}</del>")
        if new:
            right.append(f"<ins>{new}</ins>")
    return mark_safe("".join(left)), mark_safe("".join(right))  # noqa: S308 (escaped above)
