"""A target that fails at any step of a sync, in each way a target fails: the run ends with a
clear message and a non-zero exit, nothing here changes, and the next run against the healthy
target completes with every object there once.

One laptop (its data made once) syncs to a fresh cloud-contract target per case, through a
proxy that answers one step with the fault (every time it is asked, so retries meet it too)."""

from __future__ import annotations

import subprocess

import pytest

from tests.support import start_server
from tests.sync.support import INTERACTIONS, MULTI, SINGLE, Api, CloudApi, FaultProxy, sync, sync_command

pytestmark = pytest.mark.slow

# Each step of a run, as the requests that make it.
STEPS = {
    "probe": ("GET", r"^/api/v1/packages\?limit=1$"),
    "upload_url": ("POST", r"^/api/v1/packages/upload-url$"),
    "zip_put": ("PUT", r"^/storage/"),
    "process": ("POST", r"^/api/v1/packages/process$"),
    "launch": ("POST", r"^/api/v1/packages/[^/]+/launch$"),
    "session_put": ("PUT", r"^/api/v1/sessions/"),
    "statements": ("POST", r"^/api/v1/xapi/statements$"),
}
FAULTS = (401, 403, 404, 409, 413, 429, 500, "drop")


@pytest.fixture(scope="module")
def laptop(tmp_path_factory):
    srv = start_server(tmp_path_factory.mktemp("laptop") / "data")
    api = Api(srv)
    single, multi = api.upload(SINGLE), api.upload(MULTI)
    for pkg, user in ((single, "ann"), (multi, "bob")):
        s = api.session(pkg["id"], user)
        api.put(
            s["id"],
            {"cmi_data": {"cmi.core.lesson_status": "passed", **INTERACTIONS}, "session_time": "PT5M"},
        )
    api.call(
        "POST",
        "/api/v1/xapi/statements",
        json=[
            {
                "actor": {"mbox": f"mailto:l{i}@example.org"},
                "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
                "object": {"id": f"http://example.org/p/{i}"},
            }
            for i in range(3)
        ],
    )
    yield api
    srv.stop()


def snapshot(api: Api) -> tuple:
    """What the laptop holds: its packages, every session's state and CMI, its statements."""
    sessions = sorted(
        (d["id"], d["completion_status"], d["success_status"], d["time_spent_seconds"], str(d["cmi_data"]))
        for d in (api.detail(s["id"]) for s in api.sessions())
    )
    return (
        sorted(p["id"] for p in api.packages()),
        sessions,
        # the statements a cloud target takes (the SCORM bridge's it derives itself)
        sorted(
            s["id"]
            for s in api.statements()["statements"]
            if (s.get("context") or {}).get("platform") != "SCORM API appliance"
        ),
    )


@pytest.mark.parametrize("fault", FAULTS, ids=str)
@pytest.mark.parametrize("step", list(STEPS))
def test_a_failing_step_fails_clearly_loses_nothing_and_duplicates_nothing(laptop, tmp_path, step, fault):
    before = snapshot(laptop)
    cloud = CloudApi(start_server(tmp_path / "cloud", env={"SCORM_API_CONTRACT": "cloud"}))
    method, path = STEPS[step]
    proxy = FaultProxy(cloud.url, [(method, path, fault, None)])
    try:
        tenant = cloud.tenant_id()
        target = Api(cloud.srv)
        target.url = proxy.url
        code, run = sync(laptop, target, "--max-retries", "1", tenant_id=tenant)
        assert code != 0, run["report"]
        assert str(fault) in proxy.seen  # the step was reached and met the fault
        report = run["report"]
        said = run["error"] or " ".join(e.get("reason", "") for e in report["failed"] + report["conflict"])
        assert said.strip(), run  # a message, not a silent failure
        assert snapshot(laptop) == before  # nothing lost or changed here

        proxy.faults.clear()
        code, again = sync(laptop, target, tenant_id=tenant)
        assert (code, again["status"]) == (0, "completed"), (again["error"], again["report"]["failed"])
        assert sorted(p["title"] for p in cloud.packages()) == sorted(p["title"] for p in laptop.packages())
        theirs = [s["user_id"] for s in cloud.sessions()]
        assert sorted(theirs) == ["ann", "bob"]  # once each
        assert set(before[2]) <= {s["id"] for s in cloud.statements()["statements"]}  # ids: once each
    finally:
        proxy.close()
        cloud.srv.stop()


def test_a_url_that_is_not_http_is_refused_before_anything(laptop):
    target = Api(laptop.srv)
    for url in ("ftp://example.org", "file:///etc/passwd", "not a url"):
        target.url = url
        code, out = sync_raw(laptop, url)
        assert code != 0 and "http" in out.lower(), out


def sync_raw(laptop, url):
    out = subprocess.run(
        sync_command(laptop.srv.data_dir, url, "k", "t"), capture_output=True, text=True, timeout=60
    )
    return out.returncode, out.stdout + out.stderr
