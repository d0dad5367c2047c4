"""cmi5.xml (cmi5 course structure) and tincan.xml (xAPI packages), read into the same
Manifest shape as imsmanifest.xml, with the same hardened parser."""
from __future__ import annotations

from urllib.parse import urlsplit

from app.packages.manifest import Item, Manifest, Organization, Resource, package_path
from app.packages.xmlutil import attr, child, children, local, number, parse_xml, rejected, text


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


def _check_launch(url: str, what: str) -> str:
    if urlsplit(url).scheme:
        return url  # cmi5 allows AUs hosted elsewhere
    package_path(url, what)
    return url


def parse_cmi5(data: bytes) -> Manifest:
    root = parse_xml(data, "cmi5.xml")
    if local(root) != "courseStructure":
        raise rejected("not_a_manifest", "cmi5.xml has no <courseStructure> root")
    course = child(root, "course")
    if course is None or not attr(course, "id"):
        raise rejected("invalid_cmi5", "cmi5.xml has no <course> with an id")

    aus: list[Item] = []
    resources: dict[str, Resource] = {}

    def read(parent) -> list[Item]:
        items = []
        for el in parent:
            if not isinstance(el.tag, str):
                continue
            if local(el) == "block":
                items.append(Item(identifier=attr(el, "id") or "", title=_langstring(child(el, "title")) or "Block",
                                  children=read(el)))
            elif local(el) == "au":
                au_id = attr(el, "id")
                url = text(el, "url")
                if not au_id or not url:
                    raise rejected("invalid_cmi5", "Every <au> in cmi5.xml needs an id and a <url>",
                                   au=au_id)
                resources[au_id] = Resource(identifier=au_id, type="cmi5-au", scorm_type="au",
                                            href=_check_launch(url, f"AU {au_id!r}"))
                item = Item(identifier=au_id, title=_langstring(child(el, "title")) or au_id,
                            identifierref=au_id, parameters=text(el, "launchParameters"),
                            mastery_score=number(attr(el, "masteryScore")),
                            au={"moveOn": attr(el, "moveOn") or "NotApplicable",
                                "masteryScore": number(attr(el, "masteryScore")),
                                "launchMethod": attr(el, "launchMethod") or "AnyWindow",
                                "activityType": attr(el, "activityType"),
                                "entitlementKey": text(el, "entitlementKey")})
                aus.append(item)
                items.append(item)
        return items

    tree = read(root)
    if not aus:
        raise rejected("nothing_to_launch", "cmi5.xml defines no <au>: there is nothing to launch")
    first = aus[0]
    title = _langstring(child(course, "title")) or first.title
    return Manifest(
        standard="cmi5", version="cmi5", schemaversion=None, identifier=attr(course, "id"),
        title=title, description=_langstring(child(course, "description")),
        default_organization=attr(course, "id"),
        organizations=[Organization(identifier=attr(course, "id"), title=title, items=tree)],
        resources=resources, launch_item=first.identifier, launch_href=resources[first.identifier].href,
        launch_parameters=None, sco_count=len(aus), launchable_count=len(aus), has_sequencing=False,
    )


def parse_tincan(data: bytes) -> Manifest:
    root = parse_xml(data, "tincan.xml")
    if local(root) != "tincan":
        raise rejected("not_a_manifest", "tincan.xml has no <tincan> root")
    section = child(root, "activities")
    activities = children(section, "activity") if section is not None else []
    launchable = [a for a in activities if text(a, "launch")]
    if not launchable:
        raise rejected("nothing_to_launch", "tincan.xml has no activity with a <launch>: there "
                       "is nothing to launch")
    resources, items = {}, []
    for a in launchable:
        aid = attr(a, "id")
        if not aid:
            raise rejected("invalid_tincan", "An activity with a <launch> in tincan.xml has no id")
        resources[aid] = Resource(identifier=aid, type=attr(a, "type"), scorm_type="activity",
                                  href=_check_launch(text(a, "launch"), f"Activity {aid!r}"))
        items.append(Item(identifier=aid, title=_langstring(child(a, "name")) or aid, identifierref=aid))
    course = next((a for a in launchable if (attr(a, "type") or "").endswith("/course")), launchable[0])
    cid = attr(course, "id")
    return Manifest(
        standard="xapi", version="xAPI", schemaversion=None, identifier=cid,
        title=_langstring(child(course, "name")) or cid,
        description=_langstring(child(course, "description")), default_organization=cid,
        organizations=[Organization(identifier=cid, title=_langstring(child(course, "name")) or cid, items=items)],
        resources=resources, launch_item=cid, launch_href=resources[cid].href, launch_parameters=None,
        sco_count=len(items), launchable_count=len(items), has_sequencing=False,
    )
