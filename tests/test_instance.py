"""One server per data dir: the instance lock, and what a second `serve` says."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap

from scorm_api.instance import InstanceLock, RunningInstance, claim, running_instance

from tests.support import start_server


def test_lock_is_exclusive_and_published(tmp_path):
    first = InstanceLock(tmp_path)
    assert first.acquire()
    info = first.publish("http://127.0.0.1:5555", "desktop")
    other = claim(tmp_path)
    assert isinstance(other, RunningInstance)
    assert other == info and other.pid == os.getpid() and other.url == "http://127.0.0.1:5555"
    assert oct((tmp_path / "instance.json").stat().st_mode & 0o777) == "0o600"  # holds a secret
    first.release()
    assert not (tmp_path / "instance.json").exists()
    again = claim(tmp_path)
    assert isinstance(again, InstanceLock)
    again.release()


def test_a_killed_holder_leaves_no_lock(tmp_path):
    """kill -9 cannot release anything: the OS drops the lock, and what it published is ignored."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
        import sys, time
        from scorm_api.instance import InstanceLock
        lock = InstanceLock({str(tmp_path)!r}); assert lock.acquire()
        lock.publish("http://127.0.0.1:1", "serve"); print("held", flush=True); time.sleep(60)
    """),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    assert running_instance(tmp_path).pid == holder.pid
    holder.send_signal(signal.SIGKILL)
    holder.wait(10)
    assert (tmp_path / "instance.json").exists()  # stale, left behind
    assert running_instance(tmp_path) is None
    lock = claim(tmp_path)
    assert isinstance(lock, InstanceLock) and not (tmp_path / "instance.json").exists()
    lock.release()


def test_a_second_serve_on_the_same_data_dir_is_refused(tmp_path):
    srv = start_server(tmp_path / "data")
    try:
        info = json.loads((tmp_path / "data" / "instance.json").read_text())
        assert info["kind"] == "serve" and info["url"] == srv.url and info["pid"] == srv.proc.pid
        second = subprocess.run(
            [sys.executable, "-m", "scorm_api", "serve", "--data-dir", str(tmp_path / "data"), "--port", "0"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 1
        assert f"already served by process {srv.proc.pid} at {srv.url}" in second.stderr
        assert srv.get("/api/health").status_code == 200
    finally:
        assert srv.stop() == 0
    assert not (tmp_path / "data" / "instance.json").exists()
