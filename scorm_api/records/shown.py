"""How the records show a figure, the same in the PDF, the CSV and the dashboard's summary of
an issued record: a person compares the paper with the screen."""

from __future__ import annotations

NONE = "\N{EN DASH}"  # a figure the record does not have


def duration(seconds: float) -> str:
    """H:MM:SS (hours unbounded: a year's training is several hundred hours)."""
    whole = round(max(0.0, seconds))
    h, rem = divmod(whole, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}"


def hours(seconds: float) -> str:
    return f"{max(0.0, seconds) / 3600:.2f}"


def score(scaled: float | None, raw: float | None = None) -> str:
    """The scaled score as a percentage; the raw score when the course gave only that."""
    if scaled is not None:
        return f"{scaled * 100:.0f}%"
    if raw is not None:
        return f"{raw:g}"
    return NONE


def when(iso: str | None) -> str:
    """A stored UTC time as a date and minute, or a dash."""
    if not iso:
        return NONE
    return f"{iso[:10]} {iso[11:16]} UTC" if len(iso) >= 16 else iso


def minute(iso: str | None) -> str:
    """A stored UTC time to the minute, in a table where the heading says UTC."""
    return f"{iso[:10]} {iso[11:16]}" if iso and len(iso) >= 16 else (iso or NONE)


def day(iso: str | None) -> str:
    return iso[:10] if iso else NONE


def period(since: str | None, until: str | None) -> str:
    if since and until:
        return f"{day(since)} to {day(until)}"
    if since:
        return f"from {day(since)} to date"
    return f"up to {day(until)}" if until else "all records to date"
