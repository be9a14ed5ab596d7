from __future__ import annotations

from privacy.declarations import not_personal

not_personal("accounts.ApiClient", reason="A machine client; no data subject.")
