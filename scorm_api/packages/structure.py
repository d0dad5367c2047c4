"""A ready package's structure as the runtime needs it, read from its stored metadata: the
launchable items (SCOs) of the default organization in order, the table of contents, launch
paths, and the activity ids the LMS generates for the package.

Cached by package id: a ready package's structure never changes (a new version is a new
package), and every runtime commit needs it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from scorm_api.packages.models import Package

XAPI_STANDARDS = ("cmi5", "xapi")  # launched with LRS credentials, not a SCORM API


@dataclass(frozen=True)
class Sco:
    item_id: str
    title: str
    href: str  # relative launch path incl. parameters
    scorm_type: str | None
    mastery_score: float | None
    completion_threshold: float | None
    data_from_lms: str | None


def launch_path(href: str, params: str | None) -> str:
    """A launch href plus an item's parameters, joined as SCORM CAM says."""
    if not params:
        return href
    if params.startswith("#"):
        return href + params
    if params.startswith(("?", "&")):
        params = params[1:]
    return f"{href}{'&' if '?' in href else '?'}{params}"


@functools.lru_cache(maxsize=1024)
def scos_for(package_id: str) -> list[Sco]:
    """scos_of, cached."""
    pkg = Package.get_or_none(Package.id == package_id)
    return scos_of(pkg) if pkg is not None else []


def scos_of(pkg: Package) -> list[Sco]:
    """The package's launchable items of the default organization, in order."""
    meta = pkg.metadata or {}
    resources = {r["identifier"]: r for r in meta.get("resources", [])}
    org = next(
        (o for o in meta.get("organizations", []) if o["identifier"] == meta.get("default_organization")),
        (meta.get("organizations") or [None])[0],
    )
    out = []

    def walk(items):
        for it in items:
            res = resources.get(it.get("identifierref") or "")
            if res and res.get("href"):
                out.append(
                    Sco(
                        it["identifier"],
                        it["title"],
                        launch_path(res["href"], it.get("parameters")),
                        res.get("scorm_type"),
                        it.get("mastery_score"),
                        it.get("completion_threshold"),
                        it.get("data_from_lms"),
                    )
                )
            walk(it.get("children", []))

    walk(org["items"] if org else [])
    return out


def sco(package_id: str, item_id: str) -> Sco | None:
    return next((s for s in scos_for(package_id) if s.item_id == item_id), None)


def uses_sequencing(standard: str | None, scos: list[Sco]) -> bool:
    """SCORM 2004 packages with more than one launchable item are delivered by the runtime's
    sequencing engine, and their session status is the engine's rollup of the root activity.
    (A single SCO is its own course: its CMI decides the status.)"""
    return standard is not None and standard.startswith("scorm_2004") and len(scos) > 1


@functools.lru_cache(maxsize=1024)
def toc_for(package_id: str, with_rules: bool) -> dict | None:
    """The package's activity tree (cached like scos_for): the table of contents, and with
    its sequencing rules the engine's `activityTree`."""
    from scorm_api.packages.sequencing import activity_tree  # lxml: not for a CLI command

    pkg = Package.get_or_none(Package.id == package_id)
    return activity_tree(pkg.metadata or {}, with_rules) if pkg else None


def expected_scos(scos: list[Sco]) -> int:
    """How many items a session must have states for to be complete (assets do not track)."""
    tracked = [s for s in scos if s.scorm_type not in ("asset",)]
    return len(tracked) or len(scos)


def course_activity_id(base_url: str, package_id: str) -> str:
    """The LMS's activity id of the package as a course (the xAPI bridge's and cmi5's)."""
    return f"{base_url}/packages/{package_id}"
