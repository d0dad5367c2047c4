"""A multipart/form-data body streamed from storage: the cloud takes a package's new version
only by its legacy multipart upload (`POST /api/v1/packages` with `package_id`), and a zip
must not be read into memory to send it. The body's length is known before it is sent, so it
goes with a Content-Length, not chunked."""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable
from typing import BinaryIO, cast


class _Joined:
    """Bytes, then a stream, then bytes, read as one stream of a known length: requests then
    sends it with that Content-Length (it reads len() and tell()) instead of chunked."""

    def __init__(self, head: bytes, body: BinaryIO, tail: bytes, length: int):
        self._parts: list[BinaryIO] = [io.BytesIO(head), body, io.BytesIO(tail)]
        self._length, self._position = length, 0

    def __len__(self) -> int:
        return self._length

    def tell(self) -> int:
        return self._position

    def read(self, size: int = -1) -> bytes:
        size = 1024 * 1024 if size is None or size < 0 else size
        while self._parts:
            data = self._parts[0].read(size)
            if data:
                self._position += len(data)
                return data
            self._parts.pop(0).close()
        return b""

    def close(self) -> None:
        for part in self._parts:
            part.close()
        self._parts = []


def _quoted(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


def form(
    fields: dict[str, str], file_field: str, filename: str, open_file: Callable[[], BinaryIO], size: int
) -> tuple[str, int, Callable[[], BinaryIO]]:
    """(content type, length, a function opening the body afresh for each try)."""
    boundary = uuid.uuid4().hex
    head = (
        b"".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{_quoted(k)}"\r\n\r\n{v}\r\n'.encode()
            for k, v in fields.items()
        )
        + (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{_quoted(file_field)}"; '
            f'filename="{_quoted(filename)}"\r\nContent-Type: application/zip\r\n\r\n'
        ).encode()
    )
    tail = f"\r\n--{boundary}--\r\n".encode()
    length = len(head) + size + len(tail)
    opener = cast(Callable[[], BinaryIO], lambda: _Joined(head, open_file(), tail, length))
    return f"multipart/form-data; boundary={boundary}", length, opener
