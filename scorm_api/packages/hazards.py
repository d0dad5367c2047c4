"""Offline hazards: content that loads scripts, styles, fonts or media from the internet.

The appliance often runs with no network at all; a course that pulls jQuery from a CDN then
fails silently in front of a class. Processing scans the package's HTML, CSS and JavaScript
as it is extracted and lists each outside reference as a warning (file and URL), so a trainer
learns it before the class starts. Links a learner may click (<a href>) are not hazards.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any

SCANNED_SUFFIXES = {".html", ".htm", ".xhtml", ".js", ".mjs", ".css"}
MAX_SCAN_BYTES = 4 * 1024 * 1024
MAX_WARNINGS = 50
OFFLINE_HAZARD = "offline_hazard"  # the warnings' code (launch_urls.py's too)

_URL = rb"((?:https?:)?//[A-Za-z0-9.\-]+(?::\d+)?(?:/[^\"'\s<>)]*)?)"
# Elements whose src/href/data loads something as the page renders.
_HTML = re.compile(
    rb"<(?:script|link|img|iframe|frame|source|video|audio|embed|object|track|input)"
    rb"\b[^>]*?\b(?:src|href|data|poster)\s*=\s*[\"']?" + _URL,
    re.I,
)
_CSS = re.compile(rb"(?:url\(\s*[\"']?|@import\s+[\"'])" + _URL, re.I)
# In scripts only string literals that name a loadable asset count: a bare namespace URI
# such as http://www.w3.org/2000/svg is not a request.
_JS = re.compile(rb"[\"'`]" + _URL[:-1] + rb")", re.I)
_ASSET = re.compile(
    r"\.(?:js|mjs|css|woff2?|ttf|otf|eot|json|mp4|webm|ogg|mp3|m4a|wav|png|"
    r"jpe?g|gif|svg|webp|swf)(?:[?#].*)?$",
    re.I,
)


def should_scan(path: str, size: int) -> bool:
    return PurePosixPath(path).suffix.lower() in SCANNED_SUFFIXES and size <= MAX_SCAN_BYTES


def find_external_urls(path: str, data: bytes) -> list[str]:
    suffix = PurePosixPath(path).suffix.lower()
    found: list[bytes] = []
    if suffix in (".html", ".htm", ".xhtml"):
        found += _HTML.findall(data) + _CSS.findall(data)
        found += [u for u in _JS.findall(data) if _ASSET.search(u.decode("latin-1"))]
    elif suffix == ".css":
        found += _CSS.findall(data)
    else:
        found += [u for u in _JS.findall(data) if _ASSET.search(u.decode("latin-1"))]
    urls = []
    for raw in found:
        url = raw.decode("utf-8", "replace")
        if url.startswith("//"):
            url = "https:" + url
        if url not in urls:
            urls.append(url)
    return urls


class HazardScanner:
    """Fed with (path, bytes) of scannable files during extraction; collects warnings."""

    def __init__(self):
        self.hits: list[tuple[str, str]] = []

    def wants(self, path: str, size: int) -> bool:
        return should_scan(path, size)

    def feed(self, path: str, data: bytes) -> None:
        for url in find_external_urls(path, data):
            self.hits.append((path, url))

    def warnings(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = [
            {
                "code": OFFLINE_HAZARD,
                "message": f"{path} loads {url} from the internet; without a network this "
                "part of the course will not work",
                "file": path,
                "url": url,
            }
            for path, url in self.hits[:MAX_WARNINGS]
        ]
        if len(self.hits) > MAX_WARNINGS:
            out.append(
                {
                    "code": OFFLINE_HAZARD,
                    "message": f"... and {len(self.hits) - MAX_WARNINGS} more references to "
                    "internet resources",
                    "count": len(self.hits),
                }
            )
        return out
