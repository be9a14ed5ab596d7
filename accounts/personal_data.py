from __future__ import annotations

from privacy.declarations import not_personal

not_personal("accounts.ApiClient", reason="A machine client; no data subject.")
not_personal(
    "accounts.Enrolment", reason="Staff account administration; no data subject of the register."
)
