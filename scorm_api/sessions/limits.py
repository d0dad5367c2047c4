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


def _weight(key: str, value: str, exempt: frozenset[str]) -> int:
    """What one element counts against the caps: its name and value, unless a short result."""
    if key in exempt and len(value) <= RESULT_VALUE_CHARS:
        return 0
    return len(key) + len(value)


def cmi_chars(data: dict[str, str], exempt: frozenset[str] = frozenset()) -> int:
    """The size counted against the caps: the characters of every counted element."""
    return sum(_weight(k, v, exempt) for k, v in data.items())


def _elements(data: dict[str, str], exempt: frozenset[str]) -> int:
    return sum(1 for k, v in data.items() if _weight(k, v, exempt))


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
    updates: dict[str, str],
    after: dict[str, str],
    multi_item: bool,
    exempt: frozenset[str] = frozenset(),
) -> int:
    """Raise unless `after` (`before` with `updates` merged in) fits the caps; return its
    counted size. `before_chars`: the counted size of `before`, as stored; the new size is
    worked out from the updates alone (a commit costs what it changes, not the item's size)."""
    if before and not before_chars:  # never counted (it cannot be 0 with elements in it)
        before_chars = cmi_chars(before, exempt)
    chars = before_chars + sum(
        _weight(k, v, exempt) - (_weight(k, before[k], exempt) if k in before else 0)
        for k, v in updates.items()
    )
    # Counting elements costs a pass over the item: only near the cap.
    if len(after) > settings.session_max_elements and len(after) > len(before):
        elements = _elements(after, exempt)
        if elements > settings.session_max_elements and elements > _elements(before, exempt):
            raise _refused(
                f"This item's learner data would have {elements} elements; "
                f"at most {settings.session_max_elements} are kept per item",
                settings.session_max_elements,
                elements,
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
