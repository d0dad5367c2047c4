"""`scorm-api serve` in a terminal: a short line per request for the person watching, while
the log file (and a stderr that is piped, as a service manager's is) keeps JSON lines."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import subprocess
import sys

import requests

from tests.support import wait_until


class Terminal:
    """A real pseudo-terminal as a program's stdout and stderr; reads what it printed."""

    def __init__(self, *args: str):
        self.master, replica = pty.openpty()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "scorm_api", *args],
            stdin=subprocess.DEVNULL,
            stdout=replica,
            stderr=replica,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        os.close(replica)
        self.text = ""

    def read(self) -> str:
        while select.select([self.master], [], [], 0.1)[0]:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:  # the program exited and closed its side
                break
            if not chunk:
                break
            self.text += chunk.decode(errors="replace")
        return self.text

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        os.close(self.master)


def test_a_terminal_gets_one_short_line_per_request_and_the_log_file_json(tmp_path):
    log_file = tmp_path / "serve.log"
    term = Terminal("serve", "--data-dir", str(tmp_path / "data"), "--port", "0", "--log-file", str(log_file))
    try:
        url = re.search(
            r"Serving on (http://\S+)", wait_until(lambda: "Dashboard:" in term.read() and term.text, 60)
        )
        assert url, term.text
        for path in ("/api/health", "/api/v1/packages"):
            requests.get(url.group(1) + path, timeout=30)
        screen = wait_until(lambda: "/api/v1/packages 401" in term.read() and term.text, 30)
        lines = [line.strip() for line in screen.splitlines()]
        health = next(line for line in lines if " GET /api/health " in line)
        assert re.fullmatch(r"\d\d:\d\d:\d\d GET /api/health 200 \d+\.\d ms", health), health
        assert not any(line.startswith("{") for line in lines), screen  # no JSON on the terminal
    finally:
        term.close()
    # The file has the same requests as JSON lines, every field kept.
    records = [json.loads(line) for line in log_file.read_text().splitlines()]
    requests_logged = [r for r in records if r["msg"] == "request"]
    assert {r["path"] for r in requests_logged} >= {"/api/health", "/api/v1/packages"}
    assert all({"request_id", "status", "duration_ms", "ts"} <= set(r) for r in requests_logged)


def test_a_piped_stderr_stays_json(live_server):
    """Not a terminal (the tests' servers write stderr to a file): machine-readable lines."""
    live_server.get("/api/health")

    def logged():
        lines = [line for line in live_server.log_lines() if line.strip()]
        assert all(line.startswith("{") for line in lines), lines
        return [r for r in map(json.loads, lines) if r.get("path") == "/api/health"]

    assert wait_until(logged, 30)[0]["msg"] == "request"
