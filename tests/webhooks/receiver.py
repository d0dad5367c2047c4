"""A webhook receiver in its own process, as a partner would run one: it verifies both
signatures (the cloud's X-Allure-Signature over the body, and our timestamped one), dedupes
on the event id, and appends what it accepted to a JSON-lines file. Its behaviour comes from
a control file it re-reads on every request: {"status": 500} answers every delivery so,
{"status": 200, "delay": 3} answers slowly, {"status": 429, "retry_after": 2} asks for a
pause, {"body_bytes": 100000} answers at length.

    python receiver.py PORT SECRET LOG_FILE CONTROL_FILE
"""

from __future__ import annotations

import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from scorm_api.webhooks.signing import verify

PORT, SECRET, LOG, CONTROL = int(sys.argv[1]), sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4])
seen: set[str] = set()


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        control = json.loads(CONTROL.read_text()) if CONTROL.exists() else {}
        time.sleep(control.get("delay", 0))
        status = control.get("status", 200)
        ok = verify(SECRET, body, dict(self.headers.items()))
        event = json.loads(body) if ok else {}
        line = {
            "at": time.time(),
            "status": status if ok else 401,
            "verified": ok,
            "id": event.get("id"),
            "type": event.get("type"),
            "duplicate": event.get("id") in seen,
            "attempt": self.headers.get("X-Appliance-Delivery-Attempt"),
            "event": event,
        }
        if ok and status < 300:
            seen.add(event["id"])
        with LOG.open("a") as f:
            f.write(json.dumps(line) + "\n")
        answer = b"{}" if "body_bytes" not in control else b"x" * control["body_bytes"]
        self.send_response(line["status"])
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        if "retry_after" in control:
            self.send_header("Retry-After", str(control["retry_after"]))
        self.end_headers()
        self.wfile.write(answer)


ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
