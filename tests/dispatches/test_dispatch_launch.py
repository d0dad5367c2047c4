"""A launch through a dispatch (in process): each refusal a page for the learner with its
code (and the envelope for JSON), checked on every launch so a revoke stops the next one at
once; caps counted once per learner; the password form; a relaunch resumes the same
registration; a new version reaches the dispatch; the shell zip is a package our own importer
takes without a warning; the webhooks' dispatch events."""

from __future__ import annotations

import re
import time

import jwt
import pytest

from scorm_api.db import utcnow_iso
from scorm_api.dispatches.models import Dispatch, Registration
from scorm_api.sessions.models import Session

from tests.dispatches.support import HOST, course, dispatch, launch, path_of, zip_of
from tests.support import assert_envelope, bearer, new_version_of, upload_and_process


def config_of(resp) -> dict:
    import json

    found = re.search(
        r'<script id="launch-config" type="application/json">(.*?)</script>', resp.get_data(as_text=True)
    )
    assert found, resp.get_data(as_text=True)[:500]
    return json.loads(found.group(1))


def refused(resp, status: int, code: str) -> None:
    """A page the learner reads inside the host, with the code to quote."""
    assert resp.status_code == status, resp.get_data(as_text=True)[:400]
    html = resp.get_data(as_text=True)
    assert resp.mimetype == "text/html" and "The course cannot open" in html
    assert f'<span id="error-code">{code}</span>' in html


def test_a_launch_opens_the_player_for_the_hosts_learner(client, admin_key):
    d = dispatch(client, admin_key, course(client, admin_key), allowed_domains=["*.partner.com"])
    resp = launch(client, d, "42", "Ann Lee")
    assert resp.status_code == 200
    cfg = config_of(resp)
    assert cfg["bridge"]["origin"] == HOST and cfg["dispatch"]["id"] == d["id"]
    assert resp.headers["Content-Security-Policy"] == "frame-ancestors *.partner.com:*"
    assert "bridge.js" in resp.get_data(as_text=True)
    s = Session.get()
    assert (s.user_id, s.user_name) == (f"{d['id']}/42", "Ann Lee")
    # Relaunched, with the host's attempt started over (ab-initio): the same registration.
    for _ in range(3):
        assert launch(client, d, "42", "Ann Lee").status_code == 200
    assert Registration.select().count() == 1 and Session.select().count() == 1
    reg = Registration.get()
    assert (reg.launch_count, reg.host_origin) == (4, HOST)
    got = client.get(f"/api/v1/dispatches/{d['id']}", headers=bearer(admin_key)).get_json()
    assert got["registration_count"] == 1 and got["figures"]["launches"] == 4
    assert got["figures"]["unique_learners"] == 1
    # The host keys its learner to this registration: the page offers no new attempt, and
    # its page token cannot start one.
    assert "newAttemptUrl" not in cfg
    forged = cfg["deliverUrl"].removesuffix("/deliver") + "/new-attempt"
    assert_envelope(client.post(path_of(forged)), 409, "CONFLICT")
    assert Session.select().count() == 1


def test_revoke_stops_the_next_launch_at_once(client, admin_key):
    d = dispatch(client, admin_key, course(client, admin_key))
    assert launch(client, d).status_code == 200
    client.delete(f"/api/v1/dispatches/{d['id']}", headers=bearer(admin_key))
    refused(launch(client, d), 403, "DISPATCH_REVOKED")
    assert_envelope(launch(client, d, json=True), 403, "DISPATCH_REVOKED")


def test_an_expired_dispatch_is_refused(client, admin_key):
    d = dispatch(client, admin_key, course(client, admin_key), expires_in_hours=1)
    Dispatch.update(expires_at=utcnow_iso()).where(Dispatch.id == d["id"]).execute()
    time.sleep(0.01)
    refused(launch(client, d), 410, "DISPATCH_EXPIRED")
    status = client.get(f"/api/v1/dispatches/{d['id']}", headers=bearer(admin_key)).get_json()["status"]
    assert status == "expired"


def test_caps_count_each_learner_once(client, admin_key):
    d = dispatch(client, admin_key, course(client, admin_key), registration_limit=2, license_limit=3)
    for learner in ("a", "b", "a", "b"):
        assert launch(client, d, learner).status_code == 200
    refused(launch(client, d, "c"), 403, "DISPATCH_REGISTRATION_LIMIT")
    assert launch(client, d, "a").status_code == 200  # a registered learner always comes back
    client.post(f"/api/v1/dispatches/{d['id']}/reset-registrations", headers=bearer(admin_key))
    assert launch(client, d, "c").status_code == 200
    refused(launch(client, d, "d"), 403, "DISPATCH_LICENSE_LIMIT")  # three licenses, all used
    got = client.get(f"/api/v1/dispatches/{d['id']}", headers=bearer(admin_key)).get_json()
    assert (got["registration_count"], got["license_count"]) == (1, 3)
    assert Registration.select().count() == 3 and Session.select().count() == 3


def test_allowed_domains_check_the_launching_page(client, admin_key):
    d = dispatch(
        client, admin_key, course(client, admin_key), allowed_domains=["partner.com", "lms.other.org:8443"]
    )
    assert launch(client, d, origin="https://partner.com").status_code == 200
    assert launch(client, d, origin="http://lms.other.org:8443").status_code == 200
    for origin in ("https://evil.com", "https://partner.com.evil.com", "https://lms.other.org", None):
        refused(launch(client, d, origin=origin), 403, "DISPATCH_DOMAIN_NOT_ALLOWED")
    # The shell's own `host` parameter does not stand in for a missing Referer here.
    resp = client.get(
        path_of(d["launch_url"]), query_string={"learner_id": "x", "host": "https://partner.com"}
    )
    refused(resp, 403, "DISPATCH_DOMAIN_NOT_ALLOWED")
    assert Registration.select().count() == 1


def test_the_password_form(client, admin_key):
    d = dispatch(client, admin_key, course(client, admin_key), password="open sesame")
    asked = launch(client, d, "42")
    assert asked.status_code == 200 and 'name="password"' in asked.get_data(as_text=True)
    assert 'name="learner_id"' not in asked.get_data(as_text=True)  # the host said who
    assert "frame-ancestors *" in asked.headers["Content-Security-Policy"]
    visit = re.search(r'name="visit" value="([^"]+)"', asked.get_data(as_text=True)).group(1)
    wrong = client.post(path_of(d["launch_url"]), data={"visit": visit, "password": "guess"})
    assert wrong.status_code == 401 and "That access password is not right" in wrong.get_data(as_text=True)
    assert Registration.select().count() == 0
    # A learner id typed into the form does not replace the one the host sent.
    right = client.post(
        path_of(d["launch_url"]), data={"visit": visit, "password": "open sesame", "learner_id": "x"}
    )
    assert right.status_code == 200 and config_of(right)["bridge"]["origin"] == HOST
    assert [r.learner_id for r in Registration.select()] == ["42"]
    assert_envelope(launch(client, d, json=True), 401, "DISPATCH_PASSWORD_REQUIRED")
    no_visit = client.post(
        path_of(d["launch_url"]), data={"password": "open sesame"}, headers={"Accept": "application/json"}
    )
    assert_envelope(no_visit, 401, "UNAUTHORIZED")
    other = dispatch(client, admin_key, d["package_id"], password="open sesame")
    stolen = client.post(path_of(other["launch_url"]), data={"visit": visit, "password": "open sesame"})
    refused(stolen, 401, "UNAUTHORIZED")


def test_a_sent_link_asks_who_is_learning(client, admin_key):
    d = dispatch(client, admin_key, course(client, admin_key))
    asked = launch(client, d, learner=None, origin=None)
    assert asked.status_code == 200 and 'name="learner_id"' in asked.get_data(as_text=True)
    visit = re.search(r'name="visit" value="([^"]+)"', asked.get_data(as_text=True)).group(1)
    opened = client.post(
        path_of(d["launch_url"]),
        data={"visit": visit, "learner_id": "ann@example.org", "learner_name": "Ann"},
    )
    assert opened.status_code == 200 and config_of(opened)["bridge"]["origin"] is None
    blank = client.post(path_of(d["launch_url"]), data={"visit": visit, "learner_id": "  "})
    assert blank.status_code == 200 and 'name="learner_id"' in blank.get_data(as_text=True)
    assert [r.learner_id for r in Registration.select()] == ["ann@example.org"]


def _forged(token: str) -> list[str]:
    header, payload, sig = token.split(".")
    claims = jwt.decode(token, options={"verify_signature": False})
    return [
        jwt.encode(claims, "not the key of this data dir, but long", algorithm="HS256"),
        f"{header}.{payload[:-2]}{'A' if payload[-2] != 'A' else 'B'}{payload[-1]}.{sig}",
        f"{header}.{payload}.{sig[:-3]}abc",
        jwt.encode(claims, None, algorithm="none"),
        jwt.encode({**claims, "typ": "other"}, "k" * 32, algorithm="HS256"),
        "not-a-token",
        "x" * 5000,
    ]


def test_forged_and_tampered_tokens(client, admin_key):
    d = dispatch(client, admin_key, course(client, admin_key))
    for bad in _forged(d["token"]):
        resp = client.get(
            f"/player/dispatch/{bad}", query_string={"learner_id": "1"}, headers={"Referer": HOST}
        )
        refused(resp, 401, "INVALID_DISPATCH_TOKEN")
        as_json = client.get(f"/player/dispatch/{bad}", headers={"Accept": "application/json"})
        assert_envelope(as_json, 401, "INVALID_DISPATCH_TOKEN")
    assert Registration.select().count() == 0


@pytest.mark.parametrize("learner", ["x" * 201, "bad\x01id"])
def test_a_bad_learner_id_is_refused(client, admin_key, learner):
    d = dispatch(client, admin_key, course(client, admin_key))
    refused(launch(client, d, learner), 400, "DISPATCH_LEARNER_INVALID")
    assert Registration.select().count() == 0


def test_a_new_version_reaches_the_dispatch_without_a_new_zip(client, admin_key):
    pkg = course(client, admin_key, "golf_scorm12_singlesco.zip")
    d = dispatch(client, admin_key, pkg)
    assert launch(client, d, "old").status_code == 200
    upload_and_process(client, admin_key, new_version_of("golf_scorm12_singlesco.zip"), package_id=pkg)
    assert launch(client, d, "new").status_code == 200
    versions = {s.user_id.rsplit("/", 1)[1]: s.package_version.version_number for s in Session.select()}
    assert versions == {"old": 1, "new": 2}  # a learner who started keeps theirs; new ones get the new one


def test_the_shell_zip_is_a_package_our_importer_takes_without_warnings(client, app, admin_key):
    d = dispatch(client, admin_key, course(client, admin_key))
    for standard, version in (("scorm12", "1.2"), ("scorm2004", "2004 4th Edition")):
        z = zip_of(client, app, admin_key, d, standard=standard)
        data = client.get(f"/api/v1/dispatches/{d['id']}/zip", headers=bearer(admin_key)).data
        assert 1_000 < len(data) < 50_000, len(data)
        assert z.testzip() is None
        made, _ = upload_and_process(client, admin_key, data, f"shell-{standard}.zip")
        assert made["status"] == "ready" and made["version"] == version, made
        assert not made.get("warnings"), made.get("warnings")


def test_the_dispatch_events_reach_webhooks(client, admin_key):
    from scorm_api.webhooks.models import WebhookEvent

    client.post(
        "/api/v1/webhooks",
        headers=bearer(admin_key),
        json={
            "url": "http://127.0.0.1:9/hook",
            "events": [
                "dispatch.created",
                "dispatch.updated",
                "dispatch.revoked",
                "dispatch.registration.created",
            ],
        },
    )
    d = dispatch(client, admin_key, course(client, admin_key))
    launch(client, d, "42")
    launch(client, d, "42")
    client.patch(f"/api/v1/dispatches/{d['id']}", headers=bearer(admin_key), json={"enabled": False})
    client.delete(f"/api/v1/dispatches/{d['id']}", headers=bearer(admin_key))
    events = list(WebhookEvent.select().order_by(WebhookEvent.seq))
    assert [e.type for e in events] == [
        "dispatch.created",
        "dispatch.registration.created",
        "dispatch.updated",
        "dispatch.revoked",
    ]
    assert all(e.object_id == d["id"] and "token" not in e.data["dispatch"] for e in events)
    assert events[1].data["registration"]["learner_id"] == "42"
    assert d["token"] not in str([e.data for e in events])


def test_first_launches_at_once_never_count_twice(live_server):
    """On a real server, many first launches at the same moment: one registration per learner,
    and never more learners than the cap."""
    from concurrent.futures import ThreadPoolExecutor

    import requests

    from tests.sessions.live_player import upload
    from tests.support import fixture as course_file

    srv = live_server
    pkg = upload(srv, course_file("golf_scorm12_singlesco.zip").read_bytes())
    headers = bearer(srv.admin_key)
    made = requests.post(
        srv.url + "/api/v1/dispatches",
        headers=headers,
        json={"package_id": pkg["id"], "registration_limit": 3},
        timeout=30,
    ).json()["dispatch"]

    def open_as(learner):
        return requests.get(made["launch_url"], params={"learner_id": learner}, timeout=60).status_code

    with ThreadPoolExecutor(8) as pool:
        same = list(pool.map(open_as, ["ann"] * 8))
        others = list(pool.map(open_as, [f"learner-{i}" for i in range(8)]))
    assert same == [200] * 8
    assert sorted(others).count(200) == 2 and sorted(others).count(403) == 6  # ann took the first place
    got = requests.get(f"{srv.url}/api/v1/dispatches/{made['id']}", headers=headers, timeout=30).json()
    assert got["registration_count"] == 3 and got["figures"]["unique_learners"] == 3
    assert got["figures"]["launches"] == 10


def test_a_deleted_package_takes_its_dispatches_with_it(client, admin_key):
    d = dispatch(client, admin_key, course(client, admin_key))
    assert launch(client, d).status_code == 200
    assert client.delete(f"/api/v1/packages/{d['package_id']}", headers=bearer(admin_key)).status_code in (
        200,
        204,
    )
    refused(launch(client, d), 404, "DISPATCH_NOT_FOUND")
    assert Dispatch.select().count() == 0 and Registration.select().count() == 0


def test_wrong_passwords_make_the_guesser_wait(client, admin_key):
    d = dispatch(client, admin_key, course(client, admin_key), password="open sesame")
    asked = launch(client, d, "42").get_data(as_text=True)
    visit = re.search(r'name="visit" value="([^"]+)"', asked).group(1)
    post = lambda password: client.post(path_of(d["launch_url"]), data={"visit": visit, "password": password})
    assert [post(f"guess {i}").status_code for i in range(5)] == [401] * 5
    refused(post("open sesame"), 429, "RATE_LIMIT_EXCEEDED")  # even the right one, for now
    assert Registration.select().count() == 0


def test_a_course_not_ready_counts_nobody(client, admin_key):
    from scorm_api.packages.models import Package

    d = dispatch(client, admin_key, course(client, admin_key), registration_limit=1)
    Package.update(status="processing").where(Package.family_id == d["package_id"]).execute()
    refused(launch(client, d, "42"), 409, "CONFLICT")
    assert Registration.select().count() == 0 and Session.select().count() == 0
    assert Dispatch.get_by_id(d["id"]).registration_count == 0
    Package.update(status="ready").where(Package.family_id == d["package_id"]).execute()
    assert launch(client, d, "42").status_code == 200  # the one place is still there
