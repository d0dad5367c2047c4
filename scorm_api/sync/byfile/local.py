"""The receiving appliance's own API as a sync target: an import goes through the same calls
a sync over HTTP makes (launch, PUT with `version`, statements), so it keeps the same rules and
the same guarantees, answered in this process (Flask's test client) under an internal
principal of the tenant (principals.INTERNAL_ENVIRON: not rate limited, never a key)."""

from __future__ import annotations

import threading
from typing import Any

from flask import Flask, has_app_context

from scorm_api.db import database
from scorm_api.principals import INTERNAL_ENVIRON, INTERNAL_KEY_PREFIX, Principal
from scorm_api.sync.client import TargetError, envelope


class LocalTarget:
    def __init__(self, app: Flask, tenant_id: str, url: str, why: str):
        self.url, self.tenant_id = url.rstrip("/"), tenant_id
        self.waited = 0.0  # client.Target's: nothing waits here
        self._app = app
        self._principal = Principal(f"{INTERNAL_KEY_PREFIX}{why}", tenant_id, frozenset({"admin"}), False)

    def call(self, method: str, path: str, *, json=None, params=None) -> tuple[int, Any]:
        status, body = _outside_any_request(lambda: self._open(method, path, json, params))
        if status >= 500:  # a fault of ours: the import stops, as an unreachable target's run does
            _, message, _ = envelope(status, body)
            raise TargetError(status, "INTERNAL", message, unavailable=True)
        if status >= 400:
            code, message, details = envelope(status, body)
            raise TargetError(status, code, message, details=details)
        return status, body

    def _open(self, method: str, path: str, json, params) -> tuple[int, Any]:
        with self._app.test_client() as client:
            resp = client.open(
                path,
                method=method,
                json=json,
                query_string=params,
                environ_base={INTERNAL_ENVIRON: self._principal},
            )
            return resp.status_code, resp.get_json(silent=True)

    def close(self) -> None:
        pass


def _outside_any_request(fn):
    """Run `fn` where no app context is active: inside one (a request that applies a held
    record), Flask would push the inner request onto the same app context and share its `g`
    (the principal, the rate-limit headers), so it runs on a thread of its own."""
    if not has_app_context():
        return fn()
    out: dict = {}

    def work():
        try:
            out["value"] = fn()
        except BaseException as e:  # raised again in the caller's thread
            out["error"] = e
        finally:
            database.close()

    thread = threading.Thread(target=work, name="local-target")
    thread.start()
    thread.join()
    if "error" in out:
        raise out["error"]
    return out["value"]
