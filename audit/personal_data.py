"""What audit/ holds, and the audit trails of the installed third-party apps, declared once
(DESIGN.md, contracts 1 and 3)."""

from __future__ import annotations

from privacy.declarations import Trail, not_personal, trail

# Who looked at whom: ids only. An entry goes with the person or row it is about, wherever
# that row is deleted (privacy.plan), by erasure and by retention alike.
trail(
    Trail(
        model="audit.AccessLogEntry",
        references=(("subject_type", "subject_id"), ("object_type", "object_id")),
        description="Who viewed, played or downloaded which person's data, when and why.",
    )
)
# Django's admin log copies a row's label (`object_repr`, which may hold a name or a hold's
# reason) and the changed fields' names into every entry about the row.
trail(
    Trail(
        model="admin.LogEntry",
        references=(("content_type", "object_id"),),
        text_fields=("object_repr", "change_message"),
        description="Which staff user added, changed or deleted which row in the admin.",
    )
)
not_personal(
    "pghistory.Context",
    reason="The context of tracked changes: the acting user's or API client's id, or the "
    "command's name (audit.middleware records no URL), so nothing about a customer.",
)
not_personal(
    "contenttypes.ContentType", reason="The names of the installed models, the same everywhere."
)
