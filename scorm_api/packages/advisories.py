"""How much each of a package's warnings matters to a trainer about to run a class with it.

- `critical`: part of the course will not work without the internet (`offline_hazard`, see
  hazards.py and launch_urls.py). The appliance often runs with no network at all, and such a
  course then fails in front of the class: it must stand out from the rest.
- `minor`: a mistake in the package that the import worked around (a missing default
  organization, files the manifest does not list...): the course works as it is.

The severity is worked out from the warning's code each time a package is shown, not stored
with it, so the packages imported before it existed are told apart the same way."""

from __future__ import annotations

from scorm_api.packages.hazards import OFFLINE_HAZARD

CRITICAL, MINOR = "critical", "minor"
SEVERITIES = (CRITICAL, MINOR)
_CRITICAL_CODES = frozenset({OFFLINE_HAZARD})


def severity(code: str) -> str:
    return CRITICAL if code in _CRITICAL_CODES else MINOR


def for_api(warnings: list[dict] | None) -> list[dict]:
    """Each warning with its severity, the critical ones first (otherwise in the order found)."""
    rated = [{**w, "severity": severity(w.get("code", ""))} for w in warnings or []]
    return sorted(rated, key=lambda w: SEVERITIES.index(w["severity"]))
