"""What a session may accumulate: caps on its merged CMI data, checked on every write.

A commit carries only what changed, so a cap per request alone lets a learner (or a script
holding a runtime token) grow one session without bound, commit after commit. These caps
apply to the data as it will be stored once the write is merged in: per item, its number of
elements and the characters of their names and values; per session, the characters of all
its items. A write that would go over is refused whole (403 QUOTA_EXCEEDED, the seed's code
for a limit reached, with the limit and the would-be size), unless it does not make the data
any larger: data stored before a limit was lowered can still be written to and shrunk.

The elements that record the learner's result (the vocabulary's result_elements: status,
score, time, exit, a navigation request; at most a dozen names, each counted only up to
RESULT_VALUE_CHARS) do not count: a session at its limits can still record that the learner
passed.

SCORM 1.2's 4,096-character suspend_data stays lenient (kept whole, logged): real content
writes more, and the per-value cap of the write path already bounds it.
"""

from __future__ import annotations

import peewee

from scorm_api.config import Settings
from scorm_api.errors import ApiError
from scorm_api.sessions.models import ScoState

RESULT_VALUE_CHARS = 255


def counted(data: dict[str, str], exempt: frozenset[str]) -> dict[str, str]:
    """The elements counted against the caps: all but short result elements."""
    return {k: v for k, v in data.items() if k not in exempt or len(v) > RESULT_VALUE_CHARS}


def cmi_chars(data: dict[str, str]) -> int:
    """The size counted against the caps: the characters of every element's name and value."""
    return sum(len(k) + len(v) for k, v in data.items())


def _refused(message: str, limit: int, size: int, item_id: str) -> ApiError:
    return ApiError(
        403,
        "QUOTA_EXCEEDED",
        message,
        {"limit": limit, "current": size, "item_id": item_id},
    )


def check_item(
    settings: Settings,
    session_id: str,
    item_id: str,
    before: dict[str, str],
    before_chars: int,
    after: dict[str, str],
    multi_item: bool,
    exempt: frozenset[str] = frozenset(),
) -> int:
    """Raise unless `after` (an item's merged CMI) fits the caps; return its counted size.
    `before_chars`: the counted size of `before`, as stored."""
    before, after = counted(before, exempt), counted(after, exempt)
    chars = cmi_chars(after)
    if len(after) > settings.session_max_elements and len(after) > len(before):
        raise _refused(
            f"This item's learner data would have {len(after)} elements; "
            f"at most {settings.session_max_elements} are kept per item",
            settings.session_max_elements,
            len(after),
            item_id,
        )
    if chars <= before_chars:
        return chars
    if chars > settings.session_max_item_chars:
        raise _refused(
            f"This item's learner data would be {chars} characters; "
            f"at most {settings.session_max_item_chars} are kept per item",
            settings.session_max_item_chars,
            chars,
            item_id,
        )
    others = _other_items_chars(session_id, item_id) if multi_item else 0
    if others + chars > settings.session_max_chars:
        raise _refused(
            f"This session's learner data would be {others + chars} characters; "
            f"at most {settings.session_max_chars} are kept per session",
            settings.session_max_chars,
            others + chars,
            item_id,
        )
    return chars


def _other_items_chars(session_id: str, item_id: str) -> int:
    total = (
        ScoState.select(peewee.fn.SUM(ScoState.cmi_chars))
        .where((ScoState.session == session_id) & (ScoState.item_id != item_id))
        .scalar()
    )
    return int(total or 0)
