"""Keep personal data out of the request logs the project controls: search terms travel in
query strings (`/asiakkaat/?q=Virtanen`), so logged request lines and paths lose them."""

from __future__ import annotations

import logging
import re

# A query string inside a logged request line or URL: from "?" to the next space or quote.
_QUERY = re.compile(r"\?[^\s\"']*")


def without_query_string(text: str) -> str:
    """Return the text with every URL's query string removed."""
    return _QUERY.sub("", text)


class NoQueryStrings(logging.Filter):
    """A logging filter that drops query strings from the message and its arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = without_query_string(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(
                without_query_string(arg) if isinstance(arg, str) else arg for arg in record.args
            )
        return True
