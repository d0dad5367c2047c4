"""Sync tests' shared parts: an API client for each of the two real servers (the laptop and
the "cloud"), what the laptop's data is made of, and the `scorm-api sync` command. The
servers and the data themselves are fixtures, in tests/sync/fixtures.py."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

import requests

from tests.support import basic, bearer, fixture, lrs_credentials_json

SINGLE, MULTI = "golf_scorm12_singlesco.zip", "golf_scorm12_multisco_runtime_min.zip"
MULTI_SECOND_ITEM = "playing_par_item"  # the multi-SCO fixture's second SCO
INTERACTIONS = {
    "cmi.interactions.0.id": "q1",
    "cmi.interactions.0.type": "choice",
    "cmi.interactions.0.student_response": "b",
    "cmi.interactions.0.result": "correct",
    "cmi.interactions.1.id": "q2",
    "cmi.interactions.1.type": "true-false",
    "cmi.interactions.1.student_response": "t",
    "cmi.interactions.1.result": "wrong",
}


class Api:
    def __init__(self, srv):
        self.srv, self.url = srv, srv.url

    def call(self, method, path, expect=(200, 201), **kw):
        resp = requests.request(method, self.url + path, headers=bearer(self.srv.admin_key), timeout=60, **kw)
        assert resp.status_code in expect, f"{method} {path}: {resp.status_code} {resp.text[:500]}"
        return (
            resp.json()
            if resp.content and resp.headers.get("Content-Type", "").startswith("application/json")
            else resp
        )

    def tenant_id(self):
        return self.call("GET", "/api/v1/tenants")["tenants"][0]["id"]

    def upload(self, name):
        return self.call(
            "POST", "/api/v1/packages/upload", files={"file": (name, fixture(name).read_bytes())}
        )

    def new_version(self, package_id, data: bytes, expect=(201,), filename="course.zip"):
        """A new version of the package, by the cloud's legacy multipart upload."""
        return self.call(
            "POST",
            "/api/v1/packages",
            files={"file": (filename, data)},
            data={"package_id": package_id},
            expect=expect,
        )

    def versions(self, package_id) -> list[str]:
        """The checksums of the package's versions, oldest first."""
        return [v["sha256"] for v in self.call("GET", f"/api/v1/packages/{package_id}")["versions"]]

    def session(self, package_id, user, new_attempt=False):
        return self.call(
            "POST",
            "/api/v1/sessions",
            json={
                "package_id": package_id,
                "user_id": user,
                "user_name": user.title(),
                "new_attempt": new_attempt,
            },
        )["session"]

    def put(self, session_id, body):
        return self.call("PUT", f"/api/v1/sessions/{session_id}", json=body)

    def sessions(self):
        return self.call("GET", "/api/v1/sessions", params={"all_attempts": "true", "limit": 100})["sessions"]

    def detail(self, session_id):
        return self.call("GET", f"/api/v1/sessions/{session_id}")["session"]

    def packages(self):
        return self.call("GET", "/api/v1/packages", params={"limit": 100})["packages"]

    def statements(self):
        return self.call("GET", "/api/v1/xapi/statements", params={"limit": 100})


def sync_command(data_dir, url: str, api_key: str, tenant_id: str, *extra: str) -> list[str]:
    """`scorm-api sync` of a data dir to a target, as a user types it."""
    return [
        sys.executable,
        "-m",
        "scorm_api",
        "sync",
        "--data-dir",
        str(data_dir),
        "--to",
        url,
        "--api-key",
        api_key,
        "--tenant-id",
        tenant_id,
        *extra,
    ]


def sync(laptop, cloud, *extra, tenant_id=None):
    out = subprocess.run(
        sync_command(
            laptop.srv.data_dir,
            cloud.url,
            cloud.srv.admin_key,
            tenant_id or cloud.tenant_id(),
            "--json",
            *extra,
        ),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.stdout, out.stderr
    return out.returncode, json.loads(out.stdout)


def created(report, kind):
    return report["counts"].get(kind, {}).get("created", 0)


def changed_on_both_sides(laptop, cloud, local_session_id) -> dict:
    """Sync, then change bob's session on the cloud and here: the next run meets a conflict.
    Returns the cloud's session."""
    assert sync(laptop, cloud)[0] == 0
    remote = next(s for s in cloud.sessions() if s["user_id"] == "bob")
    cloud.put(remote["id"], {"cmi_data": {"cmi.core.lesson_location": "cloud-side"}})
    laptop.put(local_session_id, {"cmi_data": {"cmi.core.lesson_location": "laptop-side"}})
    return remote


class FaultProxy:
    """A real HTTP front for a target that answers some requests itself (an error status with
    the API's envelope, or a dropped connection) and forwards the rest (the target's own URLs
    in its JSON answers rewritten to lead here). `faults`: a list of
    (method, path regex, answer, times) tried in order; answer is an HTTP status, "drop" (the
    connection closed before the request goes on) or "lost" (it goes on, and the connection
    closes before the answer comes back); times counts down (None: always). `seen` is what
    each request met."""

    def __init__(self, upstream: str, faults: list[tuple[str, str, int | str, int | None]]):
        import re
        import socket
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.upstream = upstream
        self.faults = [[m, re.compile(p), a, t] for m, p, a, t in faults]
        self.seen: list[str] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def _any(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                answer = proxy._answer(self.command, self.path)
                proxy.seen.append(str(answer or "forwarded"))
                if answer == "drop":
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if answer not in (None, "lost"):
                    headers = {"Retry-After": "1"} if answer == 429 else {}
                    code = {429: "RATE_LIMIT_EXCEEDED", 401: "UNAUTHORIZED", 403: "FORBIDDEN"}.get(
                        answer, "INJECTED"
                    )
                    envelope = {"error": {"code": code, "message": f"injected {answer}", "details": {}}}
                    self._reply(
                        answer, json.dumps(envelope).encode(), {"Content-Type": "application/json", **headers}
                    )
                    return
                headers = {
                    k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")
                }
                resp = requests.request(
                    self.command,
                    proxy.upstream + self.path,
                    data=body,
                    headers=headers,
                    timeout=60,
                    allow_redirects=False,
                )
                if answer == "lost":
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                content = resp.content
                if resp.headers.get("Content-Type", "").startswith("application/json"):
                    # the URLs the target hands out (presigned uploads) lead through here too
                    content = content.replace(proxy.upstream.encode(), proxy.url.encode())
                self._reply(resp.status_code, content, {"Content-Type": resp.headers.get("Content-Type", "")})

            def _reply(self, status, body, headers):
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_DELETE = _any

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def _answer(self, method: str, path: str):
        for fault in self.faults:
            m, pattern, answer, times = fault
            if m == method and pattern.search(path) and (times is None or times > 0):
                if times is not None:
                    fault[3] = times - 1
                return answer
        return None

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class CloudApi(Api):
    def tenant_id(self):
        # The cloud lists no tenants (an extension of ours): its user reads the id off its
        # dashboard; here, off the data dir's database.
        with sqlite3.connect(self.srv.data_dir / "scorm-api.db") as db:
            return db.execute("SELECT tenant_id FROM api_key ORDER BY created_at LIMIT 1").fetchone()[0]


def remote_ids(run) -> dict[str, str]:
    return {e["local_id"]: e["remote_id"] for e in run["report"]["created"] if e["kind"] == "session"}


def lrs_credentials(data_dir) -> tuple[str, str]:
    made = lrs_credentials_json(data_dir)
    return made["username"], made["password"]


class Lrs:
    def __init__(self, url, creds):
        self.url, self.headers = url + "/xapi", {**basic(*creds), "X-Experience-API-Version": "1.0.3"}

    def request(self, method, path, expect=(200, 204), **kw):
        kw["headers"] = {**self.headers, **kw.get("headers", {})}
        resp = requests.request(method, self.url + path, timeout=30, **kw)
        assert resp.status_code in expect, f"{method} {path}: {resp.status_code} {resp.text[:300]}"
        return resp


def counted(run, kind, outcome):
    return run["report"]["counts"].get(kind, {}).get(outcome, 0)


def analytics(api, what):
    return api.call("GET", f"/api/v1/xapi/analytics/{what}", params={"limit": 100})[what]
