"""What calls/ tells the apps above it, which it does not know."""

from __future__ import annotations

from django.dispatch import Signal

# A new recording was stored: sent inside the transaction that stores it, with `recording`,
# whatever stored it (the telephony API, a service call, an import). A receiver that queues
# work does so on commit (or records a durable job in the same transaction); a retry of a
# stored call sends nothing.
recording_stored = Signal()
