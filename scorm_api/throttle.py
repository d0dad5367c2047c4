"""Wrong passwords (the dashboard's, a dispatch's access password) slow the guesser down, not
the operator.

Per client address: after PER_CLIENT wrong passwords within WINDOW_S seconds, that address
waits. In all: after SPRAY wrong passwords within the window from any addresses (a spray from
many machines), every address waits but loopback: the person at this computer can still sign
in while the room's network is being sprayed.
"""

from __future__ import annotations

import ipaddress
import threading
import time
from collections import OrderedDict, deque

from scorm_api.errors import ApiError

PER_CLIENT, SPRAY, WINDOW_S = 5, 50, 60.0
# Addresses remembered at most (the oldest forgotten first): a spray cannot grow it unbounded.
MAX_CLIENTS = 10_000


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


class SignInThrottle:
    def __init__(self, per_client: int = PER_CLIENT, spray: int = SPRAY, window_s: float = WINDOW_S):
        self.per_client, self.spray, self.window_s = per_client, spray, window_s
        self._lock = threading.Lock()
        self._all: deque[float] = deque()
        self._clients: OrderedDict[str, deque[float]] = OrderedDict()

    def reset(self) -> None:
        with self._lock:
            self._all.clear()
            self._clients.clear()

    def _trim(self, times: deque[float], now: float) -> None:
        while times and now - times[0] > self.window_s:
            times.popleft()

    def _refuse(self, oldest: float, now: float) -> ApiError:
        wait = int(self.window_s - (now - oldest)) + 1
        return ApiError(
            429,
            "RATE_LIMIT_EXCEEDED",
            f"Too many wrong passwords: try again in {wait} seconds",
            headers={"Retry-After": str(wait)},
        )

    def check(self, client: str) -> None:
        """Raise 429 while `client` must wait."""
        now = time.monotonic()
        with self._lock:
            own = self._clients.get(client)
            if own is not None:
                self._trim(own, now)
                if len(own) >= self.per_client:
                    raise self._refuse(own[0], now)
            self._trim(self._all, now)
            if len(self._all) >= self.spray and not _is_loopback(client):
                raise self._refuse(self._all[0], now)

    def failed(self, client: str) -> None:
        now = time.monotonic()
        with self._lock:
            self._all.append(now)
            own = self._clients.pop(client, None) or deque()
            self._trim(own, now)
            own.append(now)
            self._clients[client] = own  # most recent last
            while len(self._clients) > MAX_CLIENTS:
                self._clients.popitem(last=False)
