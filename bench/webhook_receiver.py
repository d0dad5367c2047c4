"""The webhook benchmark's receiver, in its own process (so that it takes no CPU time from the
benchmark's own Python): 200 at once to every POST, and a line "<event id> <arrival time>"
appended to a file for each.

    python webhook_receiver.py PORT LOG_FILE
"""

import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, LOG = int(sys.argv[1]), sys.argv[2]
out = open(LOG, "a", buffering=1)  # noqa: SIM115 (open for the process's life)
lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        arrived = time.time()
        with lock:
            out.write(f"{self.headers.get('X-Appliance-Event-Id') or '-'} {arrived:.6f}\n")
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()


server = ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
server.daemon_threads = True
server.serve_forever()
