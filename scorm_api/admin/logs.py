"""The server's log file, newest entries last, for the dashboard's Logs page.

The file holds one JSON object per line (requestlog.JsonLineFormatter); a line that is not
JSON (a crash's traceback written by something else) is shown as its text. Only the file's
tail is read, so a big log costs no more than a small one.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

LEVELS = ("debug", "info", "warning", "error", "critical")
TAIL_BYTES = 4 * 1024 * 1024  # read at most this much from the end


def tail_lines(path: Path, limit: int, max_bytes: int = TAIL_BYTES) -> list[str]:
    with path.open("rb") as f:
        f.seek(0, os.SEEK_END)
        end = f.tell()
        start = max(0, end - max_bytes)
        blocks, newlines, pos = [], 0, end
        while pos > start and newlines <= limit:
            step = min(64 * 1024, pos - start)
            pos -= step
            f.seek(pos)
            blocks.append(f.read(step))
            newlines += blocks[-1].count(b"\n")
    lines = b"".join(reversed(blocks)).decode("utf-8", errors="replace").splitlines()
    if pos > 0 and lines:
        lines = lines[1:]  # the first line was cut in the middle
    return lines[-limit:] if limit else []


def entry(line: str) -> dict:
    try:
        value = json.loads(line)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        return {"ts": None, "level": "info", "logger": None, "msg": line}
    return value


def read(path: Path | None, limit: int, min_level: str | None = None) -> dict:
    """The last `limit` entries at `min_level` or above (a level filter reads further back)."""
    if path is None:
        return {"log_file": None, "size_bytes": 0, "entries": []}
    if not path.exists():
        return {"log_file": str(path), "size_bytes": 0, "entries": []}
    wanted = LEVELS[LEVELS.index(min_level) :] if min_level else LEVELS
    scan = limit if not min_level or min_level == "debug" else limit * 50
    entries = [e for e in map(entry, tail_lines(path, scan)) if e.get("level", "info") in wanted]
    return {"log_file": str(path), "size_bytes": path.stat().st_size, "entries": entries[-limit:]}
