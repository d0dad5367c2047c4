"""Reading imsmanifest.xml (SCORM 1.2 and 2004 2nd/3rd/4th edition) with a hardened parser.

Untrusted XML: no network, no DTD loading, no entity expansion; any DTD that declares
entities or points at an external subset is refused. Elements are matched by local name,
because real manifests mix namespace spellings (imsproject vs imsglobal) and attribute
casing (adlcp:scormtype vs adlcp:scormType).

Real-world mistakes a lenient LMS tolerates become warnings; integrity errors (an item that
points at no resource, nothing to launch) refuse the package with a reason a trainer can read.
"""

from __future__ import annotations

import posixpath
from dataclasses import asdict, dataclass, field
from urllib.parse import unquote

from lxml import etree

from scorm_api.packages import launch_urls
from scorm_api.packages.xmlutil import (
    attr,
    child,
    children,
    local,
    number,
    parse_xml,
    rejected,
    text,
)

EDITIONS = {"2nd": "scorm_2004_2nd_edition", "3rd": "scorm_2004_3rd_edition", "4th": "scorm_2004_4th_edition"}


@dataclass
class Resource:
    identifier: str
    type: str | None
    scorm_type: str | None  # "sco" | "asset" | None
    href: str | None  # resolved against xml:base, relative to the package root
    files: list[str] = field(default_factory=list)
    dependencies: list[str] = field(default_factory=list)


@dataclass
class Item:
    identifier: str
    title: str
    identifierref: str | None = None
    parameters: str | None = None
    is_visible: bool = True
    mastery_score: float | None = None
    prerequisites: str | None = None
    max_time_allowed: str | None = None
    time_limit_action: str | None = None
    data_from_lms: str | None = None
    completion_threshold: float | None = None
    completed_by_measure: bool = False  # 4th edition: sequencing decides completion by measure
    hide_lms_ui: list[str] = field(default_factory=list)  # adlnav:hideLMSUI
    sequencing: str | None = None  # the raw imsss:sequencing XML, kept for the player
    au: dict | None = None  # cmi5 AU properties (moveOn, masteryScore, launchMethod, ...)
    children: list[Item] = field(default_factory=list)


@dataclass
class Organization:
    identifier: str | None
    title: str
    items: list[Item]
    sequencing: str | None = None


@dataclass
class Manifest:
    standard: str
    version: str  # the human label: "1.2", "2004 3rd Edition", ...
    schemaversion: str | None
    identifier: str | None
    title: str
    description: str | None
    default_organization: str | None
    organizations: list[Organization]
    resources: dict[str, Resource]
    launch_item: str | None
    launch_href: str | None
    launch_parameters: str | None
    sco_count: int
    launchable_count: int
    has_sequencing: bool
    warnings: list[dict] = field(default_factory=list)
    sequencing_collection: str | None = None  # the raw imsss:sequencingCollection XML

    def to_metadata(self) -> dict:
        return asdict(self)


# ---- the manifest --------------------------------------------------------------------


def _detect_version(root) -> tuple[str, str, str | None]:
    meta = child(root, "metadata")
    schemaversion = text(meta, "schemaversion") if meta is not None else None
    sv = (schemaversion or "").lower()
    namespaces = " ".join(v for v in root.nsmap.values() if v).lower()
    if sv == "1.2" or sv.startswith("1.2") or (not sv and "adlcp_rootv1p2" in namespaces):
        return "scorm_1_2", "1.2", schemaversion
    for key in ("4th", "3rd", "2nd"):
        if key in sv:
            return EDITIONS[key], f"2004 {key} Edition", schemaversion
    if "cam 1.3" in sv or sv == "1.3":
        return EDITIONS["2nd"], "2004 2nd Edition", schemaversion
    if "adlcp_v1p3" in namespaces or "imsss" in namespaces or "imscp_v1p1" in namespaces:
        return EDITIONS["3rd"], "2004 3rd Edition", schemaversion
    if "adlcp_rootv1p2" in namespaces or "imscp_rootv1p1p2" in namespaces:
        return "scorm_1_2", "1.2", schemaversion
    raise rejected(
        "unknown_version",
        "imsmanifest.xml does not say which SCORM version it is "
        f"(schemaversion {schemaversion!r}, no SCORM namespaces)",
    )


def _join_base(base: str, href: str) -> str:
    if launch_urls.is_absolute(href):
        return href  # an absolute URL: served from elsewhere
    return posixpath.join(base, href) if base else href


def package_path(path: str, what: str) -> str:
    clean = posixpath.normpath(unquote(path.split("?", 1)[0].split("#", 1)[0]))
    if clean.startswith(("/", "..")) or "\\" in clean or clean == "..":
        raise rejected("unsafe_path", f"{what} points outside the package: {path!r}")
    return clean


def _resources(manifest_el, base: str, out: dict[str, Resource]) -> None:
    base = posixpath.join(base, attr(manifest_el, "base") or "")
    section = child(manifest_el, "resources")
    if section is not None:
        sbase = posixpath.join(base, attr(section, "base") or "")
        for r in children(section, "resource"):
            rid = attr(r, "identifier")
            if not rid:
                continue
            rbase = posixpath.join(sbase, attr(r, "base") or "")
            href = attr(r, "href")
            out[rid] = Resource(
                identifier=rid,
                type=attr(r, "type"),
                scorm_type=(attr(r, "scormtype") or "").lower() or None,
                href=_join_base(rbase, href) if href else None,
                files=[_join_base(rbase, f.get("href")) for f in children(r, "file") if f.get("href")],
                dependencies=[
                    d.get("identifierref") for d in children(r, "dependency") if d.get("identifierref")
                ],
            )
    for sub in children(manifest_el, "manifest"):  # sub-manifests share the resource space
        _resources(sub, base, out)


def _sequencing_xml(el, name: str = "sequencing") -> str | None:
    seq = child(el, name)
    return etree.tostring(seq, encoding="unicode") if seq is not None else None


def _item(el, submanifests: dict) -> Item:
    ref = attr(el, "identifierref")
    item = Item(
        identifier=attr(el, "identifier") or "",
        title=text(el, "title") or attr(el, "identifier") or "Untitled",
        identifierref=ref,
        parameters=attr(el, "parameters"),
        is_visible=(attr(el, "isvisible") or "true").lower() != "false",
        mastery_score=number(text(el, "masteryscore")),
        prerequisites=text(el, "prerequisites"),
        max_time_allowed=text(el, "maxtimeallowed"),
        time_limit_action=text(el, "timelimitaction"),
        data_from_lms=text(el, "datafromlms"),
        sequencing=_sequencing_xml(el),
    )
    ct = child(el, "completionThreshold")
    if ct is not None:
        item.completion_threshold = number(ct.text.strip() if ct.text else None) or number(
            attr(ct, "minProgressMeasure")
        )
        item.completed_by_measure = (attr(ct, "completedByMeasure") or "").lower() == "true"
    presentation = child(el, "presentation")
    interface = child(presentation, "navigationInterface") if presentation is not None else None
    if interface is not None:
        item.hide_lms_ui = [h.text.strip() for h in children(interface, "hideLMSUI") if h.text]
    item.children = [_item(c, submanifests) for c in children(el, "item")]
    if ref in submanifests:  # an item may stand for a whole sub-manifest's organization
        item.identifierref = None
        item.children += submanifests[ref]
    return item


def _organizations(manifest_el, submanifests: dict) -> tuple[list[Organization], str | None]:
    section = child(manifest_el, "organizations")
    if section is None:
        return [], None
    orgs = [
        Organization(
            identifier=attr(o, "identifier"),
            title=text(o, "title") or "",
            items=[_item(i, submanifests) for i in children(o, "item")],
            sequencing=_sequencing_xml(o),
        )
        for o in children(section, "organization")
    ]
    return orgs, attr(section, "default")


def walk_items(items: list[Item]):
    """Every item of a tree, depth first, in document order."""
    for it in items:
        yield it
        yield from walk_items(it.children)


def _lom_string(el, *path: str) -> str | None:
    for name in path:
        el = child(el, name) if el is not None else None
    if el is None:
        return None
    for s in el.iter():
        if isinstance(s.tag, str) and local(s) in ("string", "langstring") and s.text and s.text.strip():
            return s.text.strip()
    return (el.text or "").strip() or None


def parse_manifest(data: bytes) -> Manifest:
    root = parse_xml(data)
    if local(root) != "manifest":
        raise rejected("not_a_manifest", f"imsmanifest.xml has <{local(root)}> at its root, not <manifest>")
    standard, version, schemaversion = _detect_version(root)
    warnings: list[dict] = []

    resources: dict[str, Resource] = {}
    _resources(root, "", resources)
    submanifests = {}
    for sub in children(root, "manifest"):
        sub_orgs, sub_default = _organizations(sub, {})
        chosen = next((o for o in sub_orgs if o.identifier == sub_default), sub_orgs[0] if sub_orgs else None)
        if chosen and attr(sub, "identifier"):
            submanifests[attr(sub, "identifier")] = chosen.items
    orgs, default_id = _organizations(root, submanifests)
    if not orgs:
        raise rejected("no_organization", "imsmanifest.xml has no <organization>: there is nothing to launch")
    org = next((o for o in orgs if default_id and o.identifier == default_id), None)
    if org is None:
        org = orgs[0]
        warnings.append(
            {
                "code": "default_organization_missing",
                "message": f"The default organization {default_id!r} does not exist; "
                f"using the first one ({org.identifier or 'without identifier'})",
            }
        )

    for item in (i for o in orgs for i in walk_items(o.items)):
        if item.identifierref and item.identifierref not in resources:
            raise rejected(
                "missing_resource",
                f"Item {item.identifier!r} refers to resource "
                f"{item.identifierref!r}, which the manifest does not define",
                item=item.identifier,
                resource=item.identifierref,
            )

    referencing = [i for i in walk_items(org.items) if i.identifierref]
    launchable = [i for i in referencing if resources[i.identifierref].href]
    if not launchable:
        if referencing:
            item = referencing[0]
            raise rejected(
                "missing_launch_url",
                f"Resource {item.identifierref!r} (used by item "
                f"{item.identifier!r}) has no href: the manifest does not say which "
                "file to launch",
                item=item.identifier,
                resource=item.identifierref,
            )
        raise rejected(
            "nothing_to_launch",
            "The default organization has no item that points at a resource: there is nothing to launch",
        )
    for item in launchable:  # every item the player may show, not only the first
        res = resources[item.identifierref]
        kind = "sco" if res.scorm_type == "sco" else "asset"
        warning = launch_urls.check(res.href, f"Item {item.identifier!r}", kind)
        if warning is not None:
            warnings.append(warning)
        else:
            package_path(res.href, f"The launch file of item {item.identifier!r}")
    first = next((i for i in launchable if i.is_visible), launchable[0])
    launch_res = resources[first.identifierref]

    meta = child(root, "metadata")
    lom = child(meta, "lom") if meta is not None else None
    title = org.title or _lom_string(lom, "general", "title") or first.title or attr(root, "identifier")
    return Manifest(
        standard=standard,
        version=version,
        schemaversion=schemaversion,
        identifier=attr(root, "identifier"),
        title=title,
        description=_lom_string(lom, "general", "description"),
        default_organization=org.identifier,
        organizations=orgs,
        resources=resources,
        launch_item=first.identifier,
        launch_href=launch_res.href,
        launch_parameters=first.parameters,
        sco_count=sum(1 for i in launchable if resources[i.identifierref].scorm_type == "sco"),
        launchable_count=len(launchable),
        has_sequencing=bool(
            org.sequencing
            or any(i.sequencing for i in walk_items(org.items))
            or child(root, "sequencingCollection") is not None
        ),
        warnings=warnings,
        sequencing_collection=_sequencing_xml(root, "sequencingCollection"),
    )


def referenced_files(manifest: Manifest) -> set[str]:
    """Every package-relative path the manifest names (launch files and <file> entries)."""
    out = set()
    for r in manifest.resources.values():
        for p in ([r.href] if r.href else []) + r.files:
            if not launch_urls.is_absolute(p):
                out.add(package_path(p, f"Resource {r.identifier!r}"))
    return out
