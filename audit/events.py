"""The base of every change-history table (django-pghistory's event models, PGHISTORY_BASE_MODEL).

The retention engine deletes history rows older than CHANGE_HISTORY_RETENTION_YEARS in batches
ordered by `pgh_created_at` (audit/personal_data.py); without an index each batch would scan the
whole table, which at register scale (millions of events) turns a purge into hours.
"""

from __future__ import annotations

import pghistory.models
from django.db import models


class Event(pghistory.models.Event):
    """Named Event, as pghistory names each table after its base: CustomerEvent, …"""

    pgh_created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        abstract = True
