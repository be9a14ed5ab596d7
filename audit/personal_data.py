from __future__ import annotations

from privacy.declarations import not_personal

# Holds ids only; erased with the person by AccessLogEntry.objects.erase_for (contract 3).
not_personal("audit.AccessLogEntry", reason="Ids only; removed with the person it is about.")
