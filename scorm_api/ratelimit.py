"""Per-tenant rate limits: read / write / upload buckets in fixed windows.

The limiter is a small interface (`RateLimiter.hit`), so a shared store (a database table,
Redis) can back it when several server processes serve one PostgreSQL database. The in-memory
implementation is exact across threads: one lock guards each check-and-increment.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from scorm_api.config import Settings

READ, WRITE, UPLOAD = "read", "write", "upload"
BUCKETS = (READ, WRITE, UPLOAD)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset_epoch: int  # unix time when the window resets (the seed's X-RateLimit-Reset)

    def headers(self, now: float | None = None) -> dict[str, str]:
        h = {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset_epoch),
        }
        if not self.allowed:
            now = time.time() if now is None else now
            h["Retry-After"] = str(max(1, math.ceil(self.reset_epoch - now)))
        return h


class RateLimiter(Protocol):
    def hit(self, key: str, limit: int, window_seconds: int) -> Decision: ...


class MemoryRateLimiter:
    """Fixed windows aligned to the clock, counted in process memory."""

    def __init__(self, clock: Callable[[], float] = time.time):
        self._clock = clock
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[int, int]] = {}  # key -> (window start, count)

    def hit(self, key: str, limit: int, window_seconds: int) -> Decision:
        now = self._clock()
        start = int(now // window_seconds) * window_seconds
        reset = start + window_seconds
        with self._lock:
            w_start, count = self._windows.get(key, (start, 0))
            if w_start != start:
                count = 0
            if count >= limit:
                self._windows[key] = (start, count)
                return Decision(False, limit, 0, reset)
            count += 1
            self._windows[key] = (start, count)
        return Decision(True, limit, limit - count, reset)


class TenantLimits:
    """Maps a tenant and a bucket onto the configured limit; None when limits are off."""

    def __init__(self, settings: Settings, limiter: RateLimiter | None = None):
        self.limiter = limiter or MemoryRateLimiter()
        self.configure(settings)

    def configure(self, settings: Settings) -> None:
        """New limits (the dashboard's settings page); counts so far are kept."""
        self.enabled = settings.rate_limits_enabled
        self.window = settings.rate_limit_window_seconds or 60
        self.limits = {
            READ: settings.rate_limit_read,
            WRITE: settings.rate_limit_write,
            UPLOAD: settings.rate_limit_upload,
        }

    def check(self, tenant_id: str, bucket: str) -> Decision | None:
        if not self.enabled:
            return None
        return self.limiter.hit(f"{tenant_id}:{bucket}", self.limits[bucket], self.window)


def bucket_for_method(method: str) -> str:
    return READ if method in ("GET", "HEAD", "OPTIONS") else WRITE
