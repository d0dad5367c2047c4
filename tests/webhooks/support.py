"""A webhook receiver in its own process (receiver.py), driven from a test: where it listens,
what it answers, what it accepted. The `receiver` fixture (tests/webhooks/fixtures.py) starts
one."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

from tests.support import free_port, wait_until

SECRET = "whsec_a-test-secret-of-the-partner"


class Receiver:
    def __init__(self, tmp: Path, secret: str = SECRET):
        self.secret = secret  # what it verifies the signatures with
        tmp.mkdir(parents=True, exist_ok=True)
        self.port, self.log, self.control = free_port(), tmp / "received.jsonl", tmp / "control.json"
        self.url = f"http://127.0.0.1:{self.port}/hooks/scorm"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        script = Path(__file__).with_name("receiver.py")
        self.proc = subprocess.Popen(
            [sys.executable, str(script), str(self.port), self.secret, str(self.log), str(self.control)]
        )
        wait_until(lambda: _listening(self.port), timeout=15)

    def stop(self) -> None:
        if self.proc:
            self.proc.kill()
            self.proc.wait(10)

    def answer(self, status: int = 200, delay: float = 0, **more) -> None:
        """What it answers from now on (`more`: retry_after, body_bytes; receiver.py)."""
        staged = self.control.with_suffix(".new")
        staged.write_text(json.dumps({"status": status, "delay": delay, **more}))
        staged.replace(self.control)  # whole: the receiver reads it on every request

    def lines(self) -> list[dict]:
        return [json.loads(x) for x in self.log.read_text().splitlines()] if self.log.exists() else []

    def accepted(self) -> list[dict]:
        return [x for x in self.lines() if x["verified"] and x["status"] < 300]


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0
