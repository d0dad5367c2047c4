"""What a package may launch: a file inside it, or (where the standard allows it) a page on
the web, never a script URL.

The player puts a launch URL in the content frame, and for xAPI and cmi5 content adds the
learner's per-launch LRS credentials to it. So:

- a scheme other than http(s) (`javascript:`, `data:`, `vbscript:`, `file:`, `blob:`...) is
  refused outright: it would run the package's code on the player's page, or never load;
- an absolute http(s) URL of a SCORM SCO is refused: a SCO on another site cannot reach the
  LMS's API across origins, so it could never track;
- an absolute http(s) URL of a SCORM asset, a cmi5 AU or an xAPI activity is allowed (cmi5
  and Tin Can allow content hosted elsewhere) with an `offline_hazard` warning; for an xAPI
  (Tin Can) activity the warning also says that the learner's LRS credentials go to that host
  in its URL (cmi5 hands them over through the fetch URL instead).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from scorm_api.packages.hazards import OFFLINE_HAZARD
from scorm_api.packages.xmlutil import rejected

_NOT_IN_URLS = re.compile(r'[\s<>"{}|\\^`\x00-\x1f\x7f]')  # characters a URI never holds (RFC 3986)
# A file of the package may have spaces in its name (real packages do); never controls.
_NOT_IN_PATHS = re.compile(r"[\x00-\x1f\x7f]")


def is_absolute(url: str) -> bool:
    return bool(urlsplit(url).scheme) or url.startswith("//")


def check(url: str, what: str, kind: str) -> dict[str, Any] | None:
    """Raise for a launch URL that may not be used; return a warning for one hosted
    elsewhere, None for a file of the package. `kind`: "sco", "asset", "au" or "activity"."""
    if _NOT_IN_PATHS.search(url) or url != url.strip():
        raise rejected("invalid_launch_url", f"{what} launches {url!r}, which is not a valid URL")
    if not is_absolute(url) and ":" not in url.split("/", 1)[0]:
        return None  # a file of the package ("a:b.html" would be read as a scheme by browsers)
    if _NOT_IN_URLS.search(url):
        raise rejected("invalid_launch_url", f"{what} launches {url!r}, which is not a valid URL")
    parts = urlsplit(url if urlsplit(url).scheme else "https:" + url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise rejected(
            "unsafe_launch_url",
            f"{what} launches {url!r}, which is not an http(s) URL: only files of the package "
            "or http(s) pages can be launched",
            url=url,
        )
    if kind == "sco":
        raise rejected(
            "external_sco",
            f"{what} is a SCO at {url!r}, on another site: a SCO must be inside the package to "
            "reach the LMS's API (put its files in the zip)",
            url=url,
        )
    message = f"{what} launches {url}, on the internet: without a network it will not open"
    if kind == "activity":
        message += "; the learner's LRS credentials for the launch are sent to that site in its URL"
    return {"code": OFFLINE_HAZARD, "message": message, "url": url}
