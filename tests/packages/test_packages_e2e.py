"""Packages against a real server process: the presigned PUT over real HTTP, and kill -9 in the
middle of processing (a complete package or nothing, and the work resumes)."""

import signal

import requests

from tests.support import bearer, wait_until, write_generated_package


def mint(srv, size, name="course.zip"):
    resp = requests.post(
        srv.url + "/api/v1/packages/upload-url",
        headers=bearer(srv.admin_key),
        json={"filename": name, "file_size": size},
        timeout=10,
    )
    assert resp.status_code == 200, resp.text
    return resp.json()


def process(srv, ticket, key=None):
    return requests.post(
        srv.url + "/api/v1/packages/process",
        headers=bearer(key or srv.admin_key),
        json={"storage_path": ticket["storage_path"]},
        timeout=120,
    )


def test_presigned_put_over_real_http(live_server):
    ticket = mint(live_server, 100)
    url, headers = ticket["presigned_url"], ticket["required_put_headers"]
    short = requests.put(url, data=b"x" * 50, headers=headers, timeout=10)
    assert short.status_code == 400 and short.json()["error"]["code"] == "BAD_REQUEST"
    forged = requests.put(
        url.replace("X-Signature=", "X-Signature=f"), data=b"x" * 100, headers=headers, timeout=10
    )
    assert forged.status_code == 403
    # Chunked bodies are measured once de-chunked: only the minted size is accepted.
    chunked = requests.put(url, data=iter([b"x" * 60, b"x" * 60]), headers=headers, timeout=10)
    assert chunked.status_code == 400
    ok = requests.put(url, data=b"x" * 100, headers=headers, timeout=10)
    assert ok.status_code == 200 and ok.json()["size"] == 100
    again = requests.put(url, data=b"x" * 100, headers=headers, timeout=10)
    assert again.status_code == 409 and again.json()["error"]["code"] == "CONFLICT"


def _upload(srv, path):
    ticket = mint(srv, path.stat().st_size)
    with path.open("rb") as f:
        put = requests.put(
            ticket["presigned_url"], data=f, headers=ticket["required_put_headers"], timeout=120
        )
    assert put.status_code == 200, put.text
    return ticket


def _partials(data_dir):
    return list((data_dir / "tmp").glob("*.partial"))


def test_kill_9_during_background_processing_resumes(live_server_factory, tmp_path):
    data_dir = tmp_path / "bg"
    env = {"SCORM_API_SYNC_PROCESS_MAX_BYTES": "0"}
    srv = live_server_factory(data_dir=data_dir, env=env)
    zip_path = write_generated_package(tmp_path / "big.zip", files=3000, total_bytes=60 * 1024 * 1024)
    ticket = _upload(srv, zip_path)
    queued = process(srv, ticket)
    assert queued.status_code == 202 and queued.json()["status"] == "processing"
    pkg_id = queued.json()["id"]
    wait_until(lambda: _partials(data_dir))  # extraction is under way
    srv.proc.send_signal(signal.SIGKILL)
    srv.proc.wait(10)

    again = live_server_factory(data_dir=data_dir, env=env)
    done = wait_until(
        lambda: (
            (r := again.get(f"/api/v1/packages/{pkg_id}", headers=bearer(srv.admin_key)).json())["status"]
            != "processing"
            and r
        ),
        timeout=60,
    )
    assert done["status"] == "ready", done
    assert done["metadata"]["file_count"] == 3002
    content = data_dir / "files" / "packages" / pkg_id / "content"
    assert sum(1 for p in content.rglob("*") if p.is_file()) == 3002
    assert _partials(data_dir) == []


def test_kill_9_during_synchronous_processing_leaves_nothing(live_server_factory, tmp_path):
    data_dir = tmp_path / "sync"
    srv = live_server_factory(data_dir=data_dir)
    zip_path = write_generated_package(tmp_path / "mid.zip", files=3000, total_bytes=30 * 1024 * 1024)
    ticket = _upload(srv, zip_path)
    import threading

    threading.Thread(target=lambda: _swallow(process, srv, ticket), daemon=True).start()
    wait_until(lambda: _partials(data_dir))
    srv.proc.send_signal(signal.SIGKILL)
    srv.proc.wait(10)

    again = live_server_factory(data_dir=data_dir)
    listed = again.get("/api/v1/packages", headers=bearer(srv.admin_key)).json()
    assert listed == {"packages": [], "count": 0}
    assert _partials(data_dir) == [] and list((data_dir / "files" / "packages").iterdir()) == []
    retried = process(
        again, ticket, srv.admin_key
    )  # the uploaded zip survived: processing can simply be retried
    assert retried.status_code == 201 and retried.json()["status"] == "ready"


def _swallow(fn, *args):
    try:
        fn(*args)
    except requests.RequestException:
        pass
