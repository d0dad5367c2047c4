"""cmi5.xml (cmi5 course structure) and tincan.xml (xAPI packages), read into the same
Manifest shape as imsmanifest.xml, with the same hardened parser."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from scorm_api.packages import launch_urls
from scorm_api.packages.manifest import Item, Manifest, Organization, Resource, package_path
from scorm_api.packages.xmlutil import attr, child, children, local, number, parse_xml, rejected, text


def _langstring(el) -> str | None:
    """cmi5 titles are <langstring lang="..">; tincan names are plain text (with lang)."""
    if el is None:
        return None
    strings = [c for c in el if isinstance(c.tag, str) and local(c) == "langstring"]
    for s in strings:
        if (s.get("lang") or "").lower().startswith("en") and s.text and s.text.strip():
            return s.text.strip()
    for s in strings:
        if s.text and s.text.strip():
            return s.text.strip()
    return (el.text or "").strip() or None


def _check_launch(url: str, what: str, kind: str, warnings: list[dict]) -> str:
    warning = launch_urls.check(url, what, kind)
    if warning is not None:
        warnings.append(warning)
    else:
        package_path(url, what)
    return url


MOVE_ON = ("NotApplicable", "Passed", "Completed", "CompletedAndPassed", "CompletedOrPassed")
LAUNCH_METHODS = ("AnyWindow", "OwnWindow")
# The query parameters the LMS adds at launch: an AU URL must not use them itself (cmi5 8.1).
LAUNCH_PARAMETERS = ("endpoint", "fetch", "actor", "registration", "activityId")


def _iri_id(el, what: str, seen: set[str]) -> str:
    """cmi5 ids are IRIs (3.0), unique across the course structure (13.1)."""
    value = attr(el, "id")
    if not value:
        raise rejected("invalid_cmi5", f"A <{what}> in cmi5.xml has no id")
    if not urlsplit(value).scheme:
        raise rejected("invalid_cmi5", f"The {what} id {value!r} in cmi5.xml is not an IRI")
    if value in seen:
        raise rejected("invalid_cmi5", f"The id {value!r} appears twice in cmi5.xml")
    seen.add(value)
    return value


def _check_au(el, au_id: str, url: str) -> None:
    query = parse_qs(urlsplit(url).query, keep_blank_values=True)
    clash = [p for p in LAUNCH_PARAMETERS if p in query]
    if clash:
        raise rejected(
            "invalid_cmi5",
            f"The url of AU {au_id!r} uses the launch parameter(s) "
            f"{', '.join(clash)}, which the LMS adds itself",
            au=au_id,
        )
    if (attr(el, "moveOn") or "NotApplicable") not in MOVE_ON:
        raise rejected("invalid_cmi5", f"AU {au_id!r} has an unknown moveOn", au=au_id)
    if (attr(el, "launchMethod") or "AnyWindow") not in LAUNCH_METHODS:
        raise rejected("invalid_cmi5", f"AU {au_id!r} has an unknown launchMethod", au=au_id)
    mastery = attr(el, "masteryScore")
    if mastery is not None and not (number(mastery) is not None and 0 <= number(mastery) <= 1):
        raise rejected("invalid_cmi5", f"The masteryScore of AU {au_id!r} must be between 0 and 1", au=au_id)


def parse_cmi5(data: bytes) -> Manifest:
    root = parse_xml(data, "cmi5.xml")
    if local(root) != "courseStructure":
        raise rejected("not_a_manifest", "cmi5.xml has no <courseStructure> root")
    course = child(root, "course")
    if course is None or not attr(course, "id"):
        raise rejected("invalid_cmi5", "cmi5.xml has no <course> with an id")
    warnings: list[dict] = []
    seen: set[str] = set()
    _iri_id(course, "course", seen)
    objectives = child(root, "objectives")
    for objective in children(objectives, "objective") if objectives is not None else []:
        _iri_id(objective, "objective", seen)

    aus: list[Item] = []
    resources: dict[str, Resource] = {}

    def read(parent) -> list[Item]:
        items = []
        for el in parent:
            if not isinstance(el.tag, str):
                continue
            if local(el) == "block":
                items.append(
                    Item(
                        identifier=_iri_id(el, "block", seen),
                        title=_langstring(child(el, "title")) or "Block",
                        children=read(el),
                    )
                )
            elif local(el) == "au":
                au_id = _iri_id(el, "au", seen)
                url = text(el, "url")
                if not url:
                    raise rejected("invalid_cmi5", "Every <au> in cmi5.xml needs a <url>", au=au_id)
                _check_au(el, au_id, url)
                resources[au_id] = Resource(
                    identifier=au_id,
                    type="cmi5-au",
                    scorm_type="au",
                    href=_check_launch(url, f"AU {au_id!r}", "au", warnings),
                )
                # launchParameters reach the AU through LMS.LaunchData, not its URL.
                item = Item(
                    identifier=au_id,
                    title=_langstring(child(el, "title")) or au_id,
                    identifierref=au_id,
                    mastery_score=number(attr(el, "masteryScore")),
                    au={
                        "moveOn": attr(el, "moveOn") or "NotApplicable",
                        "masteryScore": number(attr(el, "masteryScore")),
                        "launchMethod": attr(el, "launchMethod") or "AnyWindow",
                        "activityType": attr(el, "activityType"),
                        "launchParameters": text(el, "launchParameters"),
                        "entitlementKey": text(el, "entitlementKey"),
                    },
                )
                aus.append(item)
                items.append(item)
        return items

    tree = read(root)
    if not aus:
        raise rejected("nothing_to_launch", "cmi5.xml defines no <au>: there is nothing to launch")
    first = aus[0]
    title = _langstring(child(course, "title")) or first.title
    return Manifest(
        standard="cmi5",
        version="cmi5",
        schemaversion=None,
        identifier=attr(course, "id"),
        title=title,
        description=_langstring(child(course, "description")),
        default_organization=attr(course, "id"),
        organizations=[Organization(identifier=attr(course, "id"), title=title, items=tree)],
        resources=resources,
        launch_item=first.identifier,
        launch_href=resources[first.identifier].href,
        launch_parameters=None,
        sco_count=len(aus),
        launchable_count=len(aus),
        has_sequencing=False,
        warnings=warnings,
    )


def parse_tincan(data: bytes) -> Manifest:
    root = parse_xml(data, "tincan.xml")
    if local(root) != "tincan":
        raise rejected("not_a_manifest", "tincan.xml has no <tincan> root")
    warnings: list[dict] = []
    section = child(root, "activities")
    activities = children(section, "activity") if section is not None else []
    launchable = [a for a in activities if text(a, "launch")]
    if not launchable:
        raise rejected(
            "nothing_to_launch", "tincan.xml has no activity with a <launch>: there is nothing to launch"
        )
    resources, items = {}, []
    for a in launchable:
        aid = attr(a, "id")
        if not aid:
            raise rejected("invalid_tincan", "An activity with a <launch> in tincan.xml has no id")
        resources[aid] = Resource(
            identifier=aid,
            type=attr(a, "type"),
            scorm_type="activity",
            href=_check_launch(text(a, "launch"), f"Activity {aid!r}", "activity", warnings),
        )
        items.append(Item(identifier=aid, title=_langstring(child(a, "name")) or aid, identifierref=aid))
    course = next((a for a in launchable if (attr(a, "type") or "").endswith("/course")), launchable[0])
    cid = attr(course, "id")
    return Manifest(
        standard="xapi",
        version="xAPI",
        schemaversion=None,
        identifier=cid,
        title=_langstring(child(course, "name")) or cid,
        description=_langstring(child(course, "description")),
        default_organization=cid,
        organizations=[
            Organization(identifier=cid, title=_langstring(child(course, "name")) or cid, items=items)
        ],
        resources=resources,
        launch_item=cid,
        launch_href=resources[cid].href,
        launch_parameters=None,
        sco_count=len(items),
        launchable_count=len(items),
        has_sequencing=False,
        warnings=warnings,
    )
