"""A schema-driven fuzz of the whole OpenAPI document (schemathesis): every operation, with
bodies, parameters and headers generated from its schema (valid and not), must answer no
server error and only statuses its operation documents.

Rate limits are off (the fuzz sends thousands of requests); the admin key of the system
tenant authenticates every call, so the deepest code runs. Each operation is its own
hypothesis run; every failure found is reported together at the end.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import status_code_conformance

from scorm_api import state
from scorm_api.backup import writer
from scorm_api.config import Settings
from scorm_api.factory import create_app

pytestmark = pytest.mark.slow

EXAMPLES = 60  # per operation


@schemathesis.serializer("application/zip", "application/octet-stream")
def _raw_bytes(ctx, value):
    """Zips and other raw bodies (the presigned PUT) as the bytes generated."""
    return value if isinstance(value, bytes) else str(value).encode()


def _summary(e: BaseException) -> str:
    text = str(e)
    # Keep schemathesis's own report (what failed, the curl to reproduce), not the traceback.
    return text[:1500]


def test_no_server_error_and_no_undocumented_status(tmp_path, monkeypatch):
    # Scheduled backups go to a folder the (operator) request names, and a generated "/" is a
    # folder: the fuzz's backups are written under tmp_path instead, wherever they are aimed.
    made = tmp_path / "fuzz-backups"
    made.mkdir()
    real_create = writer.create
    monkeypatch.setattr(writer, "create", lambda s, dest, keys: real_create(s, made / dest.name, keys))
    app = create_app(Settings(data_dir=tmp_path / "data", log_requests=False, rate_limits_enabled=False))
    key = state.of(app).first_run_key.plaintext
    schema = schemathesis.openapi.from_wsgi("/api/docs/openapi", app)
    failures: dict[str, str] = {}
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        # Valid requests, and requests that break the schema (wrong types, out-of-range
        # integers, missing fields): both must be answered without a 5xx or a surprise.
        cases = st.one_of(
            operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)
        )

        @given(case=cases)
        @settings(
            max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None
        )
        def fuzz(case):
            response = case.call(headers={"Authorization": f"Bearer {key}"})
            case.validate_response(response, checks=[not_a_server_error, status_code_conformance])

        try:
            fuzz()
        except (Exception, BaseExceptionGroup) as e:  # one operation's failure must not hide the others'
            failures[f"{operation.method.upper()} {operation.path}"] = _summary(e)
    print(f"fuzzed {operations} operations, {EXAMPLES} examples each")
    for name, why in failures.items():
        print(f"--- {name}\n{why}\n")
    assert operations > 50
    assert not failures, f"{len(failures)} operations failed: {', '.join(failures)}"
