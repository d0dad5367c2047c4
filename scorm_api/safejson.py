"""JSON from outside, parsed with limits: every body, query parameter and document a client
sends goes through `loads`, so malformed or hostile JSON is a 400 everywhere, never a 500.

Python's parser recurses per level of nesting, and so does everything that walks the result
(schema validation, xAPI's comparisons): a body nested thousands of levels deep ends in a
RecursionError. Parsing catches that, and the result must then be at most MAX_DEPTH levels
deep (checked without recursion). NaN and Infinity, which are not JSON, are refused.
"""

from __future__ import annotations

import json
from typing import Any, NoReturn

from scorm_api.errors import bad_request

MAX_DEPTH = 100


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not valid JSON")


def depth(value: Any) -> int:
    """How many levels of arrays and objects `value` nests (0 for a scalar), counted up to
    MAX_DEPTH + 1. Level by level, each level's children gathered by list.extend: the
    scalars, most of a document, cost one type check each."""
    level, frontier = 0, [value]
    while True:
        containers = [node for node in frontier if isinstance(node, (dict, list))]
        if not containers:
            return level
        level += 1
        if level > MAX_DEPTH:
            return level
        below: list[Any] = []
        for node in containers:
            below.extend(node.values() if isinstance(node, dict) else node)
        frontier = below


def loads(data: str | bytes, what: str = "Malformed JSON") -> Any:
    """Parse `data` (bytes must be UTF-8) or raise 400: "<what>: <why>"."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError as e:
        raise bad_request(f"{what}: not valid UTF-8 (invalid byte at offset {e.start})") from None
    deep = f"{what}: nested too deeply (at most {MAX_DEPTH} levels)"
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise bad_request(deep) from None
    except ValueError as e:
        raise bad_request(f"{what}: {e}") from None
    if depth(value) > MAX_DEPTH:
        raise bad_request(deep)
    return value
