"""Deliveries to a real receiver in its own process (tests/webhooks/receiver.py, which verifies
both signatures as a partner's would): events arrive signed, in order per session; a failing
receiver gets retries at growing gaps until it answers; one that answers too slowly is timed
out and tried again (and dedupes the second copy); a 429's Retry-After is waited out and a long
answer is cut in the log; a receiver that is down while the appliance is killed (-9) between
the commit and the delivery, and still down after the restart, gets the event once it is back;
the delivery log, redelivery and the test event."""

from __future__ import annotations

import itertools
import signal
import time

import pytest

from tests.support import start_server, wait_until
from tests.sync.support import SINGLE, Api
from tests.webhooks.support import SECRET

pytestmark = pytest.mark.slow

FAST = {"SCORM_API_WEBHOOK_PROGRESS_INTERVAL_SECONDS": "1", "SCORM_API_WEBHOOK_RETRY_BASE_SECONDS": "1"}


def webhook(api, receiver, **body):
    return api.call("POST", "/api/v1/webhooks", json={"url": receiver.url, "secret": SECRET, **body})


def test_events_arrive_signed_in_order_and_coalesced(live_server_factory, receiver):
    # A progress interval longer than the test: however slow the machine, the commits share one.
    api = Api(live_server_factory(env={**FAST, "SCORM_API_WEBHOOK_PROGRESS_INTERVAL_SECONDS": "60"}))
    webhook(api, receiver, event_type="*")
    pkg = api.upload(SINGLE)
    session = api.call(
        "POST", f"/api/v1/packages/{pkg['id']}/launch", json={"user_id": "ann", "session_id": "s-1"}
    )
    for n in range(5):  # a learner committing often: progress coalesced
        api.put(session["session_id"], {"cmi_data": {"cmi.core.lesson_location": f"p{n}"}})
    api.put(
        session["session_id"], {"cmi_data": {"cmi.core.lesson_status": "passed", "cmi.core.score.raw": "90"}}
    )
    got = wait_until(
        lambda: (t := [x["type"] for x in receiver.accepted()]) and "session.scored" in t and t, timeout=30
    )
    assert all(x["verified"] for x in receiver.lines())
    assert got[0] == "package.processing.completed"
    per_session = [x for x in receiver.accepted() if x["type"].startswith("session.")]
    types = [x["type"] for x in per_session]
    assert types.index("session.completed") > max(i for i, t in enumerate(types) if t == "session.progress")
    # Six commits, one progress delivery, sent before the completion without waiting its interval.
    assert types.count("session.progress") == 1, types
    body = per_session[-1]["event"]
    assert (
        body["session"]["id"] == "s-1"
        and body["tenant_id"]
        and body["occurred_at"]
        and body["id"].startswith("evt_")
    )
    assert len({x["id"] for x in receiver.accepted()}) == len(receiver.accepted())  # each event once


def test_a_failing_receiver_gets_retries_at_growing_gaps(live_server_factory, receiver):
    api = Api(live_server_factory(env=FAST))
    hook = webhook(api, receiver, event_type="package.processing.completed")
    receiver.answer(500)
    api.upload(SINGLE)
    wait_until(lambda: len(receiver.lines()) >= 4, timeout=60)
    receiver.answer(200)
    wait_until(lambda: receiver.accepted(), timeout=60)
    tries = receiver.lines()
    gaps = [b["at"] - a["at"] for a, b in itertools.pairwise(tries)]
    # Exponential backoff: 1, 2, 4 s (each ±20%), each plus up to the worker's 1 s tick.
    assert gaps[2] > gaps[0] + 0.5, gaps
    [delivery] = api.call("GET", f"/api/v1/webhooks/{hook['id']}/deliveries")["deliveries"]
    assert delivery["status"] == "delivered" and delivery["attempts"] == len(tries)
    log = api.call("GET", f"/api/v1/webhooks/{hook['id']}/deliveries/{delivery['id']}")["attempt_log"]
    assert [a["status_code"] for a in log] == [500] * (len(tries) - 1) + [200]
    assert all(a["latency_ms"] >= 0 for a in log)
    # Redelivered: the same event id again (the receiver dedupes it), and a test event.
    again = api.call(
        "POST", f"/api/v1/webhooks/{hook['id']}/deliveries/{delivery['id']}/redeliver", expect=(202,)
    )
    assert again["event_id"] == delivery["event_id"]
    api.call("POST", f"/api/v1/webhooks/{hook['id']}/test", expect=(202,))
    wait_until(lambda: any(x["type"] == "webhook.test" for x in receiver.accepted()), timeout=30)
    assert [x["duplicate"] for x in receiver.accepted() if x["id"] == delivery["event_id"]] == [False, True]


def log_of(api, hook) -> tuple[dict, list[dict]]:
    [delivery] = api.call("GET", f"/api/v1/webhooks/{hook['id']}/deliveries")["deliveries"]
    path = f"/api/v1/webhooks/{hook['id']}/deliveries/{delivery['id']}"
    return delivery, api.call("GET", path)["attempt_log"]


def test_a_slow_receiver_is_timed_out_and_tried_again(live_server_factory, receiver):
    api = Api(live_server_factory(env={**FAST, "SCORM_API_WEBHOOK_TIMEOUT_SECONDS": "1"}))
    hook = webhook(api, receiver, event_type="package.processing.completed")
    receiver.answer(200, delay=4)  # it takes the event, but answers after the timeout
    api.upload(SINGLE)
    wait_until(lambda: receiver.lines(), timeout=30)
    first = log_of(api, hook)[1][0]
    assert first["status_code"] is None and "Timeout" in first["error"], first
    assert 900 <= first["latency_ms"] < 4000, first
    receiver.answer(200)
    wait_until(lambda: log_of(api, hook)[0]["status"] == "delivered", timeout=60)
    copies = [x for x in receiver.lines() if x["type"] == "package.processing.completed"]
    # The slow answer's copy and the retry's: one event id, the second seen as a duplicate.
    assert len({x["id"] for x in copies}) == 1 and copies[-1]["duplicate"] is True, copies


def test_retry_after_is_waited_out_and_a_long_answer_cut(live_server_factory, receiver):
    api = Api(live_server_factory(env=FAST))
    hook = webhook(api, receiver, event_type="package.processing.completed")
    receiver.answer(429, retry_after=3, body_bytes=200_000)
    api.upload(SINGLE)
    wait_until(lambda: receiver.lines(), timeout=30)
    receiver.answer(200)
    _, log = wait_until(lambda: (got := log_of(api, hook))[0]["status"] == "delivered" and got, timeout=60)
    assert [a["status_code"] for a in log] == [429, 200]
    assert len(log[0]["response_excerpt"]) == 500 and set(log[0]["response_excerpt"]) == {"x"}
    tries = receiver.lines()
    assert tries[1]["at"] - tries[0]["at"] >= 2.9, tries  # not the 1 s backoff: its Retry-After


def test_kill_9_between_the_commit_and_the_delivery_loses_nothing(tmp_path, receiver):
    data = tmp_path / "data"
    srv = start_server(data, env=FAST)
    api = Api(srv)
    webhook(api, receiver, event_type="session.completed")
    pkg = api.upload(SINGLE)
    session = api.call(
        "POST", f"/api/v1/packages/{pkg['id']}/launch", json={"user_id": "ann", "session_id": "s-1"}
    )
    receiver.stop()  # down: the delivery cannot go yet
    api.put(session["session_id"], {"cmi_data": {"cmi.core.lesson_status": "completed"}})
    time.sleep(1.5)  # a first try failed, the next is due later
    srv.proc.send_signal(signal.SIGKILL)
    srv.proc.wait(10)
    srv2 = start_server(data, env=FAST)  # delivers what the killed one had not, once it can
    srv2.admin_key = srv.admin_key  # printed at the first start only
    try:
        api2 = Api(srv2)
        hook = api2.call("GET", "/api/v1/webhooks")["webhooks"][0]
        before = len(log_of(api2, hook)[1])
        wait_until(lambda: len(log_of(api2, hook)[1]) > before, timeout=90)  # tried after the restart
        assert receiver.lines() == []
        receiver.start()
        wait_until(lambda: receiver.accepted(), timeout=120)
        [got] = receiver.accepted()
        assert got["type"] == "session.completed" and got["event"]["session"]["id"] == "s-1"
    finally:
        srv2.stop()
