"""Allowed domains: where a dispatch may be launched from.

A pattern is a host name (`partner.com`), a wildcard of its subdomains (`*.partner.com`), or
either with a port (`lms.partner.com:8443`); without a port any port matches. The launching
page's origin (the Referer the shell's page sends, its policy set to `origin`) is checked on
the server, and the player's `frame-ancestors` names the same patterns, so a browser refuses
to show the course inside any other page even when no Referer arrives."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

MAX_DOMAINS = 100
_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
_PATTERN = re.compile(rf"^(\*\.)?{_LABEL}(\.{_LABEL})*(:(\d{{1,5}}))?$")


def problem(pattern: object) -> str | None:
    """Why a pattern is not one, or None."""
    if not isinstance(pattern, str) or not pattern:
        return "Must be a host name such as partner.com or *.partner.com"
    m = _PATTERN.match(pattern)
    if m is None or len(pattern) > 260:
        return f"{pattern[:80]!r} is not a host name such as partner.com or *.partner.com"
    if m.group(4) and not 0 < int(m.group(4)) < 65536:
        return f"{pattern!r} has a port out of range"
    return None


def normalise(patterns: list[str]) -> list[str]:
    seen: list[str] = []
    for p in patterns:
        p = p.lower()
        if p not in seen:
            seen.append(p)
    return seen


def origin_of(url: str | None) -> str | None:
    """scheme://host[:port] of an http(s) URL, or None."""
    if not url:
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return f"{parts.scheme}://{parts.hostname}" + (f":{port}" if port else "")


def allows(patterns: list[str], origin: str | None) -> bool:
    """Whether a page of `origin` may launch: any origin when no pattern is set."""
    if not patterns:
        return True
    if origin is None:
        return False
    parts = urlsplit(origin)
    host, port = (parts.hostname or "").lower(), parts.port
    for p in patterns:
        name, _, want_port = p.partition(":")
        if want_port and port != int(want_port):
            continue
        if name.startswith("*."):
            if host.endswith(name[1:]) and host != name[2:]:
                return True
        elif host == name:
            return True
    return False


def frame_ancestors(patterns: list[str]) -> str:
    """The CSP directive that lets only those hosts frame the player (any, when none is set)."""
    if not patterns:
        return "frame-ancestors *"
    sources = [p if ":" in p else f"{p}:*" for p in patterns]
    return "frame-ancestors " + " ".join(sources)
