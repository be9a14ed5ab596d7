from __future__ import annotations

from privacy.declarations import not_personal

not_personal("accounts.ApiClient", reason="A machine client; no data subject.")
not_personal(
    "accounts.IdempotencyRecord",
    reason="A machine client's request key and the ids it was answered with; no data subject.",
)
