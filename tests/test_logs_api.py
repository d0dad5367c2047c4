"""GET /api/v1/logs: the tail of the server's log file, for the dashboard's Logs page."""

import logging

from scorm_api.admin.logs import tail_lines
from scorm_api.factory import create_app

from tests.support import assert_envelope, bearer


def test_the_newest_entries_filtered_by_level(make_settings, make_tenant, admin_key, tmp_path):
    log_file = tmp_path / "logs" / "scorm-api.log"
    app = create_app(make_settings(log_file=log_file))  # the same data dir, now with a log file
    admin = bearer(admin_key)
    client = app.test_client()
    log = logging.getLogger("scorm_api.test")
    for i in range(30):
        log.info("step %d", i, extra={"fields": {"n": i}})
    log.error("it broke", extra={"fields": {"package_id": "p1"}})
    with log_file.open("a") as f:
        f.write("a line that is not JSON\n")
    for h in logging.getLogger("scorm_api").handlers:
        h.flush()

    r = client.get("/api/v1/logs?limit=3", headers=admin)
    assert r.status_code == 200
    body = r.get_json()
    assert body["log_file"] == str(log_file) and body["size_bytes"] == log_file.stat().st_size
    assert [e["msg"] for e in body["entries"]] == ["step 29", "it broke", "a line that is not JSON"]
    assert body["entries"][0]["n"] == 29 and body["entries"][1]["level"] == "error"

    errors = client.get("/api/v1/logs?level=error", headers=admin).get_json()["entries"]
    assert [e["msg"] for e in errors] == ["it broke"]

    assert_envelope(client.get("/api/v1/logs?level=loud", headers=admin), 400, "VALIDATION_ERROR")
    assert_envelope(client.get("/api/v1/logs?limit=0", headers=admin), 400, "VALIDATION_ERROR")
    assert_envelope(client.get("/api/v1/logs"), 401, "UNAUTHORIZED")
    # Another tenant's admin is not the operator: the log holds every tenant's requests.
    other = make_tenant("Other")
    assert_envelope(client.get("/api/v1/logs", headers=other.headers()), 403, "FORBIDDEN")


def test_without_a_log_file_it_says_so(client, admin_key):
    body = client.get("/api/v1/logs", headers=bearer(admin_key)).get_json()
    assert body == {"log_file": None, "size_bytes": 0, "entries": []}


def test_the_tail_of_a_big_file_is_read_from_its_end(tmp_path):
    path = tmp_path / "big.log"
    path.write_text("".join(f"line {i}\n" for i in range(200_000)))
    assert tail_lines(path, 3) == ["line 199997", "line 199998", "line 199999"]
    # Bounded: a limit reaching past the bytes it may read gets what those bytes hold, whole lines.
    lines = tail_lines(path, 100_000, max_bytes=1000)
    assert lines[-1] == "line 199999" and all(x.startswith("line ") for x in lines) and len(lines) < 100
