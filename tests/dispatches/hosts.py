"""Host LMSs for the dispatch shell, on origins of their own: a minimal LMS page built on
scorm-again's own LMS-side API objects (the player's vendored copy, from npm), serving the
shell's files and recording every commit the shell makes there; and how to reach the frames
of a dispatched course inside a host's page."""

from __future__ import annotations

import contextlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import scorm_api.player

from tests.sessions.live_player import content_frame
from tests.support import http_server

SCORM_AGAIN = Path(scorm_api.player.__file__).parent / "static/vendor/scorm-again/scorm-again.min.js"

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Partner LMS</title>
<script src="/scorm-again.min.js"></script>
<script>
  // The LMS side: scorm-again's own API object, committing to this host's /commit.
  var API_CLASS = %(cls)s;
  window.%(name)s = new window[API_CLASS]({ lmsCommitUrl: "/commit", dataCommitFormat: "flattened",
                                             autocommit: false, logLevel: 5 });
  window.%(name)s.loadFromFlattenedJSON(%(learner)s, "");
  window.calls = [];
  ["%(set)s", "%(commit)s", "%(finish)s"].forEach(function (name) {
    window.%(name)s.on(name, function (element, value) { window.calls.push([name, element || "", value === undefined ? "" : String(value)]); });
  });
</script></head>
<body><h1 style="font:16px sans-serif">Partner LMS: Course</h1>
%(launch)s
</body></html>"""
FRAMED = '<iframe id="content" src="/shell/index.html" style="width:100%;height:620px;border:1px solid #999"></iframe>'
# An LMS that opens the SCO in a window of its own: the shell finds the API in its opener.
POPUP = "<button id=\"open\" onclick=\"window.open('/shell/index.html', 'course')\">Open the course</button>"


STANDARDS = {
    "scorm12": {
        "cls": '"Scorm12API"',
        "name": "API",
        "set": "LMSSetValue",
        "commit": "LMSCommit",
        "finish": "LMSFinish",
        "learner": {"cmi.core.student_id": "partner-7", "cmi.core.student_name": "Lee, Ann"},
    },
    "scorm2004": {
        "cls": '"Scorm2004API"',
        "name": "API_1484_11",
        "set": "SetValue",
        "commit": "Commit",
        "finish": "Terminate",
        "learner": {"cmi.learner_id": "partner-7", "cmi.learner_name": "Lee, Ann"},
    },
}


@dataclass
class Host:
    url: str  # the host's origin
    commits: list[dict] = field(default_factory=list)  # the bodies scorm-again POSTed

    def last(self, element: str):
        """An element's value in the latest commit that has it."""
        for body in reversed(self.commits):
            if element in body:
                return body[element]
        return None


@contextlib.contextmanager
def scorm_again_host(shell_zip: bytes, standard: str):
    files = {f"/shell/{n}": d for n, d in _unzipped(shell_zip).items()}
    std = STANDARDS[standard]
    for path, launch in (("/", FRAMED), ("/popup", POPUP)):
        files[path] = (PAGE % {**std, "learner": json.dumps(std["learner"]), "launch": launch}).encode()
    files["/scorm-again.min.js"] = SCORM_AGAIN.read_bytes()
    host = Host("")

    def get(path: str):
        body = files.get(path.split("?")[0])
        kind = "text/html" if path.endswith((".html", "/", "/popup")) else "application/javascript"
        return (200, kind, body) if body else (404, "text/plain", b"not here")

    def post(path: str, raw: bytes):
        if path.startswith("/commit"):
            host.commits.append(json.loads(raw or b"{}"))
        return 200, "application/json", b'{"result": true, "errorCode": 0}'

    with http_server(get, post) as port:
        host.url = f"http://127.0.0.1:{port}"
        yield host


def _unzipped(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist()}


def dispatched_frames(page, timeout_ms: int = 30_000, shell=None):
    """(the shell's frame, our player's frame, the course's frame) inside a host's page (or in
    `shell`, a window the host opened)."""
    shell = shell or content_frame(page, timeout_ms)
    shell.wait_for_function(
        """() => { const f = document.getElementById('course');
        return f && f.src && !f.hidden; }""",
        timeout=timeout_ms,
    )
    player = None
    for _ in range(timeout_ms // 100):
        player = shell.query_selector("iframe#course").content_frame()
        if player is not None and "/player/" in player.url:
            break
        page.wait_for_timeout(100)
    assert player is not None and "/player/" in player.url, player and player.url
    return shell, player, content_frame(player, timeout_ms)
