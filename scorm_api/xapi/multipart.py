"""multipart/mixed bodies, as xAPI sends statements with their attachments (RFC 2046 5.1).

The first part is the JSON of the statements; every other part is one attachment's raw bytes,
sent `Content-Transfer-Encoding: binary` and named by its SHA-2 hash in `X-Experience-API-Hash`.
Parsing is strict (every rule the specification states is a 400) and byte-exact: the content
of a part is what lies between its blank line and the CRLF before the next delimiter.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from email.parser import BytesHeaderParser

from werkzeug.http import parse_options_header

from scorm_api.errors import bad_request

HASH_HEADER = "X-Experience-API-Hash"
# The specification names SHA-2, not one width of it: the hex length says which.
_SHA2_BY_LENGTH = {56: "sha224", 64: "sha256", 96: "sha384", 128: "sha512"}


@dataclass(frozen=True)
class Part:
    content_type: str
    sha2: str
    content: bytes


def _boundary(content_type_header: str) -> bytes:
    _, options = parse_options_header(content_type_header)
    boundary = options.get("boundary")
    if not boundary or len(boundary) > 70:
        raise bad_request("multipart/mixed needs a boundary parameter (1 to 70 characters)")
    return boundary.encode("latin-1")


def _sections(body: bytes, boundary: bytes) -> list[bytes]:
    delimiter = b"\r\n--" + boundary
    pieces = (b"\r\n" + body).split(delimiter)
    if len(pieces) < 3 or not pieces[-1].startswith(b"--"):
        raise bad_request("The multipart body has no parts delimited by its boundary, or is not closed")
    sections = []
    for piece in pieces[1:-1]:
        line_end = piece.find(b"\r\n")
        if line_end < 0 or piece[:line_end].strip(b" \t"):
            raise bad_request("A multipart delimiter line carries extra characters")
        sections.append(piece[line_end + 2 :])
    return sections


def _headers_and_content(section: bytes):
    if section.startswith(b"\r\n"):
        head, content = b"", section[2:]
    else:
        head, sep, content = section.partition(b"\r\n\r\n")
        if not sep:
            raise bad_request("A multipart part has no blank line after its headers")
    return BytesHeaderParser().parsebytes(head + b"\r\n\r\n"), content


def parse(body: bytes, content_type_header: str) -> tuple[bytes, list[Part]]:
    """(the statements' JSON bytes, the attachment parts in order)."""
    sections = _sections(body, _boundary(content_type_header))
    first_headers, statements_json = _headers_and_content(sections[0])
    if parse_options_header(first_headers.get("Content-Type", ""))[0] != "application/json":
        raise bad_request("The first part of a multipart/mixed statement request must be application/json")
    parts = []
    for i, section in enumerate(sections[1:], start=2):
        headers, content = _headers_and_content(section)
        declared = (headers.get(HASH_HEADER) or "").strip().lower()
        if not declared:
            raise bad_request(f"Part {i} has no {HASH_HEADER} header")
        if (headers.get("Content-Transfer-Encoding") or "").strip().lower() != "binary":
            raise bad_request(f"Part {i} must be sent with Content-Transfer-Encoding: binary")
        algorithm = _SHA2_BY_LENGTH.get(len(declared))
        if algorithm is None or hashlib.new(algorithm, content).hexdigest() != declared:
            raise bad_request(f"Part {i}'s content does not match its {HASH_HEADER}")
        parts.append(Part(headers.get("Content-Type") or "application/octet-stream", declared, content))
    return statements_json, parts


def render(document: bytes, parts: list[Part]) -> tuple[bytes, str]:
    """(body, Content-Type header): the JSON document, then each part (a response here; a
    request where the sync sends statements with their attachments)."""
    boundary = "xapi-" + uuid.uuid4().hex
    chunks = [f"--{boundary}\r\nContent-Type: application/json\r\n\r\n".encode(), document]
    for part in parts:
        chunks.append(
            f"\r\n--{boundary}\r\nContent-Type: {part.content_type}\r\n"
            f"Content-Transfer-Encoding: binary\r\n{HASH_HEADER}: {part.sha2}\r\n\r\n".encode()
        )
        chunks.append(part.content)
    chunks.append(f"\r\n--{boundary}--\r\n".encode())
    return b"".join(chunks), f'multipart/mixed; boundary="{boundary}"'
