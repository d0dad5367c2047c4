"""A cmi5 course structure (course, blocks, AUs) as the launcher needs it, read from the
package's stored metadata, and the activity ids the LMS generates for it.

cmi5 wants LMS-generated ids distinct from the publisher's (8.1.5, 9.4) and stable across
registrations: they live under the package's course activity, as the SCORM bridge's do.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from urllib.parse import quote

from scorm_api.packages.models import Package
from scorm_api.packages.structure import course_activity_id

BLOCK_TYPE = "https://w3id.org/xapi/cmi5/activitytype/block"
COURSE_TYPE = "https://w3id.org/xapi/cmi5/activitytype/course"


@dataclass(frozen=True)
class Au:
    id: str  # the publisher's id, from cmi5.xml
    title: str
    href: str  # relative to the package root, or an absolute http(s) URL
    move_on: str
    mastery_score: float | None
    launch_method: str
    launch_parameters: str | None
    entitlement_key: str | None


@dataclass(frozen=True)
class Block:
    id: str
    title: str
    children: tuple  # of Au and Block


@dataclass(frozen=True)
class Course:
    package_id: str
    id: str
    title: str
    children: tuple

    @property
    def aus(self) -> list[Au]:
        out: list[Au] = []

        def walk(nodes):
            for n in nodes:
                if isinstance(n, Au):
                    out.append(n)
                else:
                    walk(n.children)

        walk(self.children)
        return out

    def au(self, au_id: str) -> Au | None:
        return next((a for a in self.aus if a.id == au_id), None)


def _read(items: list[dict], resources: dict) -> tuple:
    nodes: list[Au | Block] = []
    for it in items:
        if it.get("au"):
            au, res = it["au"], resources.get(it.get("identifierref") or "", {})
            nodes.append(
                Au(
                    it["identifier"],
                    it["title"],
                    res.get("href") or "",
                    au.get("moveOn") or "NotApplicable",
                    au.get("masteryScore"),
                    au.get("launchMethod") or "AnyWindow",
                    au.get("launchParameters"),
                    au.get("entitlementKey"),
                )
            )
        else:
            nodes.append(Block(it["identifier"], it["title"], _read(it.get("children", []), resources)))
    return tuple(nodes)


@functools.lru_cache(maxsize=256)
def course_of(package_id: str) -> Course | None:
    """The cmi5 course of a ready package (cached: a package's structure never changes)."""
    pkg = Package.get_or_none(Package.id == package_id)
    if pkg is None or pkg.standard != "cmi5":
        return None
    meta = pkg.metadata or {}
    org = (meta.get("organizations") or [None])[0]
    if org is None:
        return None
    resources = {r["identifier"]: r for r in meta.get("resources", [])}
    return Course(
        pkg.family_id,  # activity ids name the package, the same in every version
        meta.get("identifier") or org["identifier"],
        org.get("title") or pkg.title,
        _read(org.get("items", []), resources),
    )


def au_activity_id(base_url: str, package_id: str, au_id: str) -> str:
    return f"{course_activity_id(base_url, package_id)}/au/{quote(au_id, safe='')}"


def block_activity_id(base_url: str, package_id: str, block_id: str) -> str:
    return f"{course_activity_id(base_url, package_id)}/block/{quote(block_id, safe='')}"
