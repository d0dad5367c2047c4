"""Hardened XML reading for package descriptors, and small helpers that match elements and
attributes by local name (real manifests mix namespace spellings and attribute casing)."""

from __future__ import annotations

from lxml import etree

from scorm_api.errors import ApiError

MAX_MANIFEST_BYTES = 16 * 1024 * 1024


class _NoExternalLoads(etree.Resolver):
    """libxml2 still reads a DOCTYPE's external subset from local files even with
    load_dtd=False; every external load gets an empty document instead (no file is opened:
    think /dev/zero), and the DOCTYPE itself is refused after parsing."""

    def resolve(self, system_url, public_id, context):
        return self.resolve_string("", context)


_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    remove_pis=True,
    collect_ids=False,
)
_PARSER.resolvers.add(_NoExternalLoads())


def rejected(reason: str, message: str, **details) -> ApiError:
    """A package refused for a reason the uploader can fix."""
    return ApiError(400, "VALIDATION_ERROR", message, {"reason": reason, **details})


# ---- XML helpers ---------------------------------------------------------------------


def local(el) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def children(el, name: str) -> list:
    return [c for c in el if isinstance(c.tag, str) and local(c) == name]


def child(el, name: str):
    found = children(el, name)
    return found[0] if found else None


def text(el, name: str) -> str | None:
    c = child(el, name)
    if c is None or c.text is None:
        return None
    return c.text.strip() or None


def attr(el, name: str) -> str | None:
    """An attribute by local name, any namespace, any case (scormtype / scormType)."""
    want = name.lower()
    for key, value in el.attrib.items():
        if etree.QName(key).localname.lower() == want:
            return value.strip()
    return None


def number(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


def parse_xml(data: bytes, filename: str = "imsmanifest.xml"):
    if len(data) > MAX_MANIFEST_BYTES:
        raise rejected(
            "manifest_too_large",
            f"{filename} is larger than {MAX_MANIFEST_BYTES // (1024 * 1024)} MB",
            file=filename,
        )
    try:
        root = etree.fromstring(data, parser=_PARSER)
    except etree.XMLSyntaxError as e:
        if "network entity" in (e.msg or "") or "failed to load" in (e.msg or ""):
            raise rejected(
                "external_dtd",
                f"{filename} refers to an external DTD or entity, which is not allowed",
                file=filename,
            ) from None
        raise rejected(
            "malformed_xml",
            f"{filename} is not well-formed XML: {e.msg} (line {e.lineno})",
            file=filename,
            line=e.lineno,
        ) from None
    doc = root.getroottree().docinfo
    dtd = doc.internalDTD
    if doc.system_url or doc.public_id:
        raise rejected(
            "external_dtd", f"{filename} refers to an external DTD, which is not allowed", file=filename
        )
    if dtd is not None and (list(dtd.iterentities()) or list(dtd.iterelements())):
        raise rejected(
            "xml_entities",
            f"{filename} declares a DTD with entities or "
            "elements, which is not allowed (entity expansion attacks)",
            file=filename,
        )
    return root
