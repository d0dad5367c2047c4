"""Dispatches travel: to a cloud-contract target by the seed's create (package, name, limit,
expiry, domains) and revoke, with each new launch URL in the report to send again, and what
the cloud cannot take (a disabled or changed dispatch, the password) said; to another
appliance whole, its learners resuming there the sessions carried with them."""

from __future__ import annotations

import pytest
import requests

from scorm_api.sync.dispatches import CHANGED_HERE, DISABLED_HERE, PASSWORD, RESEND

from tests.sync.support import SINGLE, counted, sync

pytestmark = pytest.mark.slow


def shared(api, package_id, **body) -> dict:
    return api.call("POST", "/api/v1/dispatches", json={"package_id": package_id, **body})["dispatch"]


def remote(api) -> list[dict]:
    return api.call("GET", "/api/v1/dispatches", params={"limit": 100})["dispatches"]


def test_dispatches_reach_the_cloud_by_its_documented_calls(pair, cloud):
    laptop, _ = pair
    pkg = laptop.upload(SINGLE)
    partner = shared(
        laptop,
        pkg["id"],
        dispatch_name="Partner Training",
        registration_limit=100,
        expires_in_hours=720,
        allowed_domains=["partner.com", "*.partner.com"],
        password="open sesame",
    )
    paused = shared(laptop, pkg["id"], dispatch_name="Paused")
    laptop.call("PATCH", f"/api/v1/dispatches/{paused['id']}", json={"enabled": False})
    gone = shared(laptop, pkg["id"], dispatch_name="Withdrawn")
    laptop.call("DELETE", f"/api/v1/dispatches/{gone['id']}")

    code, run = sync(laptop, cloud)
    assert code == 0 and run["status"] == "completed", (run["error"], run["report"]["failed"])
    assert run["report"]["plan"]["dispatches"] == 2  # the revoked one never went: nothing to carry
    [made] = [e for e in run["report"]["created"] if e["kind"] == "dispatch"]
    assert made["local_id"] == partner["id"] and made["reason"] == RESEND + PASSWORD
    [there] = remote(cloud)
    assert made["launch_url"].endswith("/player/dispatch/" + there["token"])
    assert (there["dispatch_name"], there["registration_limit"], there["allowed_domains"]) == (
        "Partner Training",
        100,
        ["partner.com", "*.partner.com"],
    )
    assert there["expires_at"][:13] == partner["expires_at"][:13]  # the same hour
    [not_carried] = [e for e in run["report"]["not_carried"] if e["kind"] == "dispatch"]
    assert (not_carried["local_id"], not_carried["reason"]) == (paused["id"], DISABLED_HERE)

    code, again = sync(laptop, cloud)
    assert code == 0 and counted(again, "dispatch", "created") == 0 and len(remote(cloud)) == 1
    laptop.call("PATCH", f"/api/v1/dispatches/{partner['id']}", json={"registration_limit": 50})
    code, changed = sync(laptop, cloud)
    reasons = {e["reason"] for e in changed["report"]["not_carried"] if e["kind"] == "dispatch"}
    assert reasons == {CHANGED_HERE, DISABLED_HERE} and remote(cloud)[0]["registration_limit"] == 100
    laptop.call("DELETE", f"/api/v1/dispatches/{partner['id']}")
    code, revoked = sync(laptop, cloud)
    assert code == 0 and counted(revoked, "dispatch", "updated") == 1
    assert remote(cloud)[0]["status"] == "revoked"


def test_a_learner_resumes_on_another_appliance_through_the_carried_dispatch(pair):
    laptop, target = pair
    pkg = laptop.upload(SINGLE)
    d = shared(laptop, pkg["id"], client_name="Partner", license_limit=10)
    opened = requests.get(d["launch_url"], params={"learner_id": "42", "learner_name": "Ann"}, timeout=30)
    assert opened.status_code == 200
    [reg] = laptop.call("GET", f"/api/v1/dispatches/{d['id']}/registrations")["registrations"]
    laptop.put(reg["session_id"], {"cmi_data": {"cmi.core.lesson_location": "page-7"}})

    code, run = sync(laptop, target)
    assert code == 0 and counted(run, "dispatch", "created") == 1, run["report"]["failed"]
    [there] = remote(target)
    assert (there["client_name"], there["license_limit"], there["learner_scope"]) == ("Partner", 10, d["id"])
    # The learner comes through the dispatch there: the session carried with them resumes.
    assert requests.get(there["launch_url"], params={"learner_id": "42"}, timeout=30).status_code == 200
    [theirs] = target.call("GET", f"/api/v1/dispatches/{there['id']}/registrations")["registrations"]
    carried = target.detail(theirs["session_id"])
    assert (
        carried["user_id"] == f"{d['id']}/42" and carried["cmi_data"]["cmi.core.lesson_location"] == "page-7"
    )
    assert len(target.sessions()) == 1

    laptop.call("PATCH", f"/api/v1/dispatches/{d['id']}", json={"enabled": False})
    code, changed = sync(laptop, target)
    assert code == 0 and counted(changed, "dispatch", "updated") == 1
    assert remote(target)[0]["status"] == "disabled"
