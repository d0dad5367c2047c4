"""Building hostile and odd zips for the tests."""

from __future__ import annotations

import io
import struct
import zipfile

MINIMAL_MANIFEST = b"""<?xml version="1.0"?>
<manifest identifier="m" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
          xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="o"><organization identifier="o"><title>Tiny course</title>
    <item identifier="i" identifierref="r"><title>Only page</title></item>
  </organization></organizations>
  <resources><resource identifier="r" type="webcontent" adlcp:scormtype="sco" href="index.html">
    <file href="index.html"/></resource></resources>
</manifest>"""


def build(entries: dict[str, bytes] | list[tuple[str, bytes]], *, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    items = entries.items() if isinstance(entries, dict) else entries
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in items:
            info = zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0))
            info.compress_type = compression
            zf.writestr(info, data)
    return buf.getvalue()


def minimal(**extra: bytes) -> dict[str, bytes]:
    return {"imsmanifest.xml": MINIMAL_MANIFEST, "index.html": b"<html>hi</html>", **extra}


def with_info(base: dict[str, bytes], name: str, data: bytes, *, external_attr=0, flag_bits=0) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for n, d in base.items():
            zf.writestr(n, d)
        info = zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0))
        info.external_attr = external_attr
        zf.writestr(info, data)
        if flag_bits:
            info.flag_bits |= flag_bits  # written into the central directory on close
    return buf.getvalue()


def lie_about_size(data: bytes, name: str, declared: int) -> bytes:
    """Rewrite both headers of a stored entry to declare another uncompressed size."""
    out = bytearray(data)
    encoded = name.encode()
    for sig, size_off, name_len_off, header_len in ((b"PK\x03\x04", 22, 26, 30), (b"PK\x01\x02", 24, 28, 46)):
        pos = 0
        while (pos := out.find(sig, pos)) != -1:
            name_len = struct.unpack_from("<H", out, pos + name_len_off)[0]
            if bytes(out[pos + header_len : pos + header_len + name_len]) == encoded:
                struct.pack_into("<I", out, pos + size_off, declared)
            pos += 4
    return bytes(out)
