"""What privacy/ holds, declared once (DESIGN.md, contract 1): nothing about people."""

from __future__ import annotations

from privacy.declarations import not_personal

not_personal(
    "privacy.RetentionRun",
    reason="Counts and times of retention runs; messages name rows by id only.",
)
not_personal(
    "privacy.PendingFileDeletion",
    reason="Server-generated storage names of files whose rows are already gone.",
)
not_personal(
    "privacy.ErasureRecord",
    reason="The proof of an erasure: when, why, by which staff user or job, and counts of rows "
    "by model; nothing that identifies the person erased.",
)
