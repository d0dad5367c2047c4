"""Helpers shared by tests and benchmarks: a real `scorm-api serve` process, the shared SCORM
fixtures and a generated package; the API's bearer header, its error envelope and the presigned
upload; the LRS's headers and an xAPI statement builder; page screenshots."""

from __future__ import annotations

import atexit
import base64
import contextlib
import copy
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import requests


@dataclass
class LiveServer:
    proc: subprocess.Popen
    url: str
    data_dir: Path
    admin_key: str | None
    stdout: str
    stderr_path: Path

    def get(self, path: str, **kw):
        return requests.get(self.url + path, timeout=30, **kw)

    def stop(self, sig=signal.SIGTERM, timeout: float = 20) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        return self.proc.wait(timeout)

    def log_lines(self) -> list[str]:
        return self.stderr_path.read_text().splitlines()


def start_server(
    data_dir: Path,
    *extra_args: str,
    env: dict | None = None,
    timeout: float = 20,
    cmd: list[str] | None = None,
    cwd: Path | None = None,
) -> LiveServer:
    """Run `scorm-api serve` as a real process on a free port; wait until it answers. `cmd` is
    the program (default: this Python's `-m app`; a built binary for the binary tests)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    stderr_path = data_dir.parent / f"{data_dir.name}-server-{time.monotonic_ns()}.log"
    stderr = stderr_path.open("w")
    proc = subprocess.Popen(
        [
            *(cmd or [sys.executable, "-m", "scorm_api"]),
            "serve",
            "--data-dir",
            str(data_dir),
            "--port",
            "0",
            *extra_args,
        ],
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
        cwd=cwd,
        env={**os.environ, **(env or {}), "PYTHONUNBUFFERED": "1"},
    )
    lines = []
    deadline = time.monotonic() + timeout
    url = None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        m = re.search(r"Serving on (http://\S+)", line)
        if m:
            url = m.group(1)
            lines.append(proc.stdout.readline())  # the dashboard's address follows
            break
    if url is None:
        proc.kill()
        raise RuntimeError(f"server did not start: {''.join(lines)}\n{stderr_path.read_text()}")
    text = "".join(lines)
    key = re.search(r"^\s+(ac_live_\S+)$", text, re.M)
    return LiveServer(proc, url, data_dir, key.group(1) if key else None, text, stderr_path)


def lrs_credentials_json(data_dir, *extra: str) -> dict:
    """`scorm-api xapi-credentials create --json` on a data dir: what it printed."""
    import json

    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "scorm_api",
            "xapi-credentials",
            "create",
            "--json",
            "--data-dir",
            str(data_dir),
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def free_port() -> int:
    """A free loopback port (a fixed one can be taken by any client socket: the ephemeral range
    covers it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def scratch_dir(prefix: str) -> Path:
    """A new directory under $TMPDIR, removed when the process exits.

    For scripts (benchmarks, conformance runners) that make data dirs outside pytest's tmp_path:
    a benchmark's data dir holds hundreds of MiB, and left behind they fill the disk (they once
    filled CI's)."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


def database_at(settings, version: int):
    """The settings' data dir with its database migrated only as far as `version`, open: an old
    data dir, for an upgrade's test to fill with rows of its time before the app opens it."""
    from scorm_api.db import open_database
    from scorm_api.migrations import migrate

    settings.ensure_dirs()
    db = open_database(settings.effective_database_url)
    db.connect()
    migrate(db, target=version)
    return db


def wait_until(fn, timeout: float = 15.0, interval: float = 0.05):
    """Poll `fn` until it returns something truthy; return that, or fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = fn()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")


def require(what: str, present: bool, variable: str) -> None:
    """Skip the test when something it needs is absent here (a fresh clone, a laptop without
    Chromium), saying what; fail it instead where `variable` is 1 (.ci/run sets them), so a CI
    run never passes by skipping."""
    if present:
        return
    import pytest

    if os.environ.get(variable) == "1":
        pytest.fail(f"{what} is missing, and {variable}=1")
    pytest.skip(f"{what} is missing (required where {variable}=1)")


FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "scorm"


def require_fixtures() -> None:
    require(
        f"the shared SCORM test packages ({FIXTURES}; the shared folder sits beside the repo)",
        FIXTURES.is_dir(),
        "SCORM_API_REQUIRE_FIXTURES",
    )


def fixture(name: str) -> Path:
    require_fixtures()
    path = FIXTURES / name
    if not path.exists():  # the folder is there but not this package: a real failure
        raise FileNotFoundError(f"{path}: no such shared fixture")
    return path


def new_version_of(name: str, note: bytes = b"version 2") -> bytes:
    """The fixture with one more file: the same course in other bytes, as a new version.
    The added file has a fixed date, so two calls give the same bytes."""
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(fixture(name)) as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            out.writestr(info, src.read(info))
        # writestr(name) would stamp the current time, and two calls could differ
        # across a two-second boundary
        out.writestr(zipfile.ZipInfo("release-notes.txt", (2020, 1, 1, 0, 0, 0)), note, zipfile.ZIP_DEFLATED)
    return buf.getvalue()


GENERATED_MANIFEST = """<?xml version="1.0"?>
<manifest identifier="generated" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
          xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="o"><organization identifier="o"><title>Generated course</title>
    <item identifier="i" identifierref="r"><title>Start</title></item>
  </organization></organizations>
  <resources><resource identifier="r" type="webcontent" adlcp:scormtype="sco" href="index.html">
    <file href="index.html"/></resource></resources>
</manifest>"""


def write_generated_package(path: Path, files: int, total_bytes: int, seed: int = 1) -> Path:
    """A valid SCORM 1.2 zip of `files` media-like files (incompressible, so no zip-bomb
    ratio) adding up to about `total_bytes`, spread over folders like a real course."""
    import random
    import zipfile

    rng = random.Random(seed)
    each = max(1, total_bytes // files)
    block = rng.randbytes(1024 * 1024)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("imsmanifest.xml", GENERATED_MANIFEST)
        zf.writestr("index.html", "<html><body>Generated</body></html>")
        for i in range(files):
            start = rng.randrange(0, len(block) - min(each, len(block)))
            data = (block[start : start + each] * (each // len(block) + 1))[:each]
            zf.writestr(f"media/part{i // 500:03d}/asset{i:05d}.bin", data)
    return path


@contextlib.contextmanager
def http_server(answer, on_post=None, keep_alive: bool = False):
    """A real HTTP server on a free loopback port: `answer(path)` gives a GET's (status,
    content type, body), `on_post(path, body)` a POST's. `keep_alive`: HTTP/1.1, connections
    kept open as a real site's are. Yields the port; shut down afterwards."""
    import http.server
    import threading

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1" if keep_alive else "HTTP/1.0"
        # Headers and body in one send, with no Nagle wait for loopback's delayed ACK (40 ms
        # on every answer otherwise; a real site's server does not wait).
        disable_nagle_algorithm = True
        wbufsize = 64 * 1024

        def do_GET(self):
            self._reply(*answer(self.path))

        def do_POST(self):
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if on_post is None:
                self._reply(405, "text/plain", b"GET only")
            else:
                self._reply(*on_post(self.path, raw))

        def _reply(self, status, content_type, body):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()


# Debian's Chromium, driven by Playwright (never a downloaded browser): the tests' and the
# benches' browser.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


# ---- the API over HTTP ---------------------------------------------------------------


def bearer(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


def assert_envelope(resp, status: int, code: str) -> dict:
    """`resp`: a Flask test response, or a requests one from a real server."""
    flask = hasattr(resp, "get_json")
    assert resp.status_code == status, resp.get_data(as_text=True) if flask else resp.text
    body = resp.get_json() if flask else resp.json()
    assert set(body) == {"error", "request_id"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    assert body["request_id"] == resp.headers["X-Request-Id"]
    return body


def put_path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def mint(client, key, size, filename="course.zip", **extra):
    return client.post(
        "/api/v1/packages/upload-url",
        headers=bearer(key),
        json={"uploaded_by": "tester", "filename": filename, "file_size": size, **extra},
    )


def upload_and_process(client, key, data: bytes, filename="course.zip", expect=201, **process):
    """Mint, PUT and process; `process` adds fields to the process call (package_id: a new
    version)."""
    ticket = mint(client, key, len(data), filename)
    assert ticket.status_code == 200, ticket.get_json()
    t = ticket.get_json()
    put = client.put(put_path(t["presigned_url"]), data=data, headers=t["required_put_headers"])
    assert put.status_code == 200, put.get_json()
    resp = client.post(
        "/api/v1/packages/process",
        headers=bearer(key),
        json={
            "uploaded_by": "tester",
            "storage_path": t["storage_path"],
            "original_filename": filename,
            **process,
        },
    )
    assert resp.status_code == expect, resp.get_json()
    return resp.get_json(), t


# ---- the LRS (xAPI) ------------------------------------------------------------------

V2 = {"X-Experience-API-Version": "2.0.0"}


def basic(username, password) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()}


BASE = {
    "actor": {"objectType": "Agent", "name": "Ann Lee", "mbox": "mailto:ann@example.org"},
    "verb": {"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en-US": "completed"}},
    "object": {
        "id": "http://example.org/course/1",
        "definition": {"name": {"en-US": "Course"}, "type": "http://adlnet.gov/expapi/activities/course"},
    },
}


def statement(**changes):
    st = copy.deepcopy(BASE)
    st.update(changes)
    return st


# ---- browser pages -------------------------------------------------------------------

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path
