"""The target's REST API as the sync calls it: the seed's paths, Bearer key, the error
envelope read back into TargetError. Transient failures are retried here, so the steps above
see an answer or a final error: network errors and 5xx with exponential backoff (and jitter);
429 after the wait the target asks for (Retry-After, else X-RateLimit-Reset)."""

from __future__ import annotations

import base64
import io
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, BinaryIO, Protocol

from scorm_api import outbound

if TYPE_CHECKING:
    import requests  # imported with the first session (outbound.session): start-up time

USER_AGENT = "scorm-api-appliance-sync/1"


class TargetError(Exception):
    """The target refused (4xx, with its envelope's code), or stayed unreachable/failing
    after every retry (`unavailable`)."""

    def __init__(
        self,
        status: int | None,
        code: str,
        message: str,
        unavailable: bool = False,
        details: dict | None = None,
    ):
        super().__init__(f"{status or 'no answer'} {code}: {message}")
        self.status, self.code, self.message = status, code, message
        self.unavailable, self.details = unavailable, details or {}


class Api(Protocol):
    """What the session and statement steps call: a Target, or this appliance's own API when
    it applies a sync file (sync/byfile/local.py)."""

    url: str

    def call(self, method: str, path: str, *, json=None, params=None) -> tuple[int, Any]: ...


@dataclass
class Retry:
    attempts: int = 8  # per request
    base: float = 0.5  # seconds before the first retry; doubled each time
    cap: float = 30.0  # longest backoff between two attempts
    max_wait: float = 120.0  # longest wait a 429 may ask for
    sleep: Callable[[float], None] = field(default=time.sleep)


def _rate_limit_wait(resp: requests.Response) -> float | None:
    after = resp.headers.get("Retry-After")
    if after:
        try:
            return max(0.0, float(after))
        except ValueError:
            pass
    reset = resp.headers.get("X-RateLimit-Reset")
    if reset:
        try:
            return max(0.0, float(reset) - time.time())
        except ValueError:
            pass
    return None


class Target:
    def __init__(
        self,
        url: str,
        api_key: str,
        tenant_id: str,
        retry: Retry | None = None,
        timeout: float = 60.0,
        allow_internal: bool = False,
        on_wait: Callable[[float | None, str], None] | None = None,
    ):
        self.url = url.rstrip("/")
        # Told before each wait (seconds, why) and after it (None): the run's progress shows it.
        self.on_wait = on_wait
        self.tenant_id = tenant_id
        self.retry = retry or Retry()
        self.timeout = timeout
        self.waited = 0.0  # seconds spent in backoff and rate-limit waits (the report says)
        self._allow_internal = allow_internal
        self._http = outbound.session(allow_internal)
        self._http.headers.update({"Authorization": f"Bearer {api_key}", "User-Agent": USER_AGENT})

    def lrs(self, key: str, secret: str) -> Target:
        """The target's standard LRS (/xapi/: Basic auth, xAPI 1.0.3), with the same retries
        and waits; its `waited` is its own."""
        lrs = Target(
            self.url + "/xapi",
            "",
            self.tenant_id,
            retry=self.retry,
            timeout=self.timeout,
            allow_internal=self._allow_internal,
            on_wait=self.on_wait,
        )
        basic = base64.b64encode(f"{key}:{secret}".encode()).decode("ascii")
        lrs._http.headers.update({"Authorization": f"Basic {basic}", "X-Experience-API-Version": "1.0.3"})
        return lrs

    def close(self) -> None:
        self._http.close()

    # ---- the seed's calls --------------------------------------------------------------

    def call(self, method: str, path: str, *, json=None, params=None) -> tuple[int, Any]:
        """(status, the JSON answer or None)."""
        resp = self._send(method, self.url + path, json=json, params=params)
        return resp.status_code, (resp.json() if resp.content else None)

    def request(
        self, method: str, path: str, *, params=None, data: bytes | None = None, headers=None
    ) -> requests.Response:
        """Any call with a raw body (xAPI documents, multipart statements)."""
        body = (lambda: io.BytesIO(data)) if data is not None else None
        return self._send(method, self.url + path, params=params, body=body, headers=headers)

    def put_file(self, url: str, open_body: Callable[[], BinaryIO], size: int, headers: dict) -> int:
        """The presigned PUT of `size` bytes, streamed (`open_body` is called for each try);
        no API key goes to the storage URL. A PUT retried after its bytes arrived is refused
        as already used (409): that counts as done."""
        resp = self._send(
            "PUT",
            url,
            body=open_body,
            accept_conflict=True,
            headers={**headers, "Content-Length": str(size), "Authorization": None},
        )
        return resp.status_code

    def post_form(
        self, path: str, content_type: str, length: int, open_body: Callable[[], BinaryIO]
    ) -> tuple[int, Any]:
        """A multipart form (sync/forms.py), streamed. Not an idempotent call: a dropped
        connection is not retried in this run (the request may have landed), it stops the run;
        the caller's next run checks what the target holds first."""
        resp = self._send(
            "POST",
            self.url + path,
            body=open_body,
            headers={"Content-Type": content_type, "Content-Length": str(length)},
            once_sent=True,
        )
        return resp.status_code, (resp.json() if resp.content else None)

    # ---- transport -------------------------------------------------------------------------

    def _send(
        self,
        method: str,
        url: str,
        *,
        json=None,
        params=None,
        body=None,
        headers=None,
        accept_conflict: bool = False,
        once_sent: bool = False,
    ) -> requests.Response:
        import requests  # loaded by outbound.session already

        last = "no attempt"
        for attempt in range(1, self.retry.attempts + 1):
            stream = body() if body else None
            try:
                resp = self._http.request(
                    method, url, json=json, params=params, data=stream, headers=headers, timeout=self.timeout
                )
            except requests.RequestException as e:
                if (why := outbound.refused(e)) is not None:  # not transient: no retry
                    raise TargetError(None, "TARGET_REFUSED", str(why)) from None
                last = f"{type(e).__name__}: {e}"
                if once_sent:
                    break  # it may have arrived: not sent twice
                wait = self._backoff(attempt)
            else:
                if resp.status_code < 400 or (accept_conflict and resp.status_code == 409):
                    return resp
                if resp.status_code == 429:
                    asked = _rate_limit_wait(resp)
                    wait = min(self.retry.max_wait, asked if asked is not None else self._backoff(attempt))
                    last = "429 rate limited"
                elif resp.status_code >= 500:
                    last = f"{resp.status_code} {_envelope(resp)[1]}"
                    wait = self._backoff(attempt)
                else:
                    code, message, details = _envelope(resp)
                    raise TargetError(resp.status_code, code, message, details=details)
            finally:
                if stream is not None:
                    stream.close()
            if attempt < self.retry.attempts:
                self.waited += wait
                if self.on_wait:
                    self.on_wait(wait, "rate limit" if last.startswith("429") else f"retrying after {last}")
                self.retry.sleep(wait)
                if self.on_wait:
                    self.on_wait(None, "")
        raise TargetError(
            None,
            "TARGET_UNAVAILABLE",
            f"{method} {url} failed {self.retry.attempts} times; last: {last}",
            unavailable=True,
        )

    def _backoff(self, attempt: int) -> float:
        return min(self.retry.cap, self.retry.base * 2 ** (attempt - 1)) * random.uniform(0.8, 1.2)


def _envelope(resp: requests.Response) -> tuple[str, str, dict]:
    try:
        body = resp.json()
    except ValueError:
        body = None
    return envelope(resp.status_code, body)


def envelope(status: int, body: Any) -> tuple[str, str, dict]:
    """(code, message, details) of an error answer's envelope, kept short."""
    try:
        err = body["error"]
        details = err.get("details") or {}
        # Told back to whoever reads the run: kept short.
        small = isinstance(details, dict) and len(json.dumps(details)) <= 2000
        return str(err.get("code"))[:64], str(err.get("message"))[:300], details if small else {}
    except (KeyError, TypeError, AttributeError):
        # Not the API's envelope: its body is not repeated (the URL may not be an API at all,
        # and a run's error is shown to whoever reads the run).
        return (
            f"HTTP_{status}",
            f"The target answered HTTP {status} without the API's error envelope "
            "(is the URL the API's base URL?)",
            {},
        )
