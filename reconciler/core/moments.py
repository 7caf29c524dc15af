"""Timestamps as the status records them (RFC 3339, `Z` for UTC), read back into datetimes.

Contract: `parse_moment(text)` is the datetime `text` names, or None when it is absent or unreadable
(a status a person edited by hand must not fail the pass). Pure.
"""

from __future__ import annotations

import datetime as dt


def parse_moment(moment: str | None) -> dt.datetime | None:
    if not moment:
        return None
    try:
        return dt.datetime.fromisoformat(moment.replace("Z", "+00:00"))
    except ValueError:
        return None
