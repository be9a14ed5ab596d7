"""What notice/ holds, declared once (DESIGN.md, contract 1): nothing about data subjects."""

from __future__ import annotations

from privacy.declarations import not_personal

not_personal(
    "notice.NoticeVersion",
    reason="A published privacy notice, the same for everyone; names only the staff member "
    "who published it.",
)
not_personal("notice.NoticeSection", reason="A section of a published privacy notice.")
not_personal(
    "notice.ConsistencyCheck",
    reason="Differences between the notice and the declarations; names no one.",
)
