"""The benchmarks keep working (their figures go in the README; no timing is asserted here), and
a bench that runs out of time leaves nothing behind: no server, no load generator, no files."""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.support import require_fixtures, wait_until

BENCH = Path(__file__).resolve().parent.parent / "bench"
# The benches that upload one of the shared SCORM packages.
USES_FIXTURES = {"content.py", "dashboard.py", "dispatch.py", "backup.py"}
# The benches whose load (or part of it) only wrk gives.
NEEDS_WRK = {"xapi_ingest.py", "backup.py"}

pytestmark = pytest.mark.slow


class BenchRun:
    """`bench/<script> --quick` in a process group of its own, its temp files in a TMPDIR of its
    own: so that stopping it stops everything it started (servers, wrk, Chromium), and removing
    that folder removes everything it wrote, whatever state it was in."""

    def __init__(self, script: str):
        # Short, under the system's temp dir: Chromium's socket path there must stay under
        # 108 bytes, which a pytest tmp_path can pass.
        self.tmp = tmp = Path(tempfile.mkdtemp(prefix="scorm-bench-run-"))
        self.leftovers: list[str] = []
        self.proc = subprocess.Popen(
            [sys.executable, script, "--quick"],
            cwd=BENCH,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
            env={**os.environ, "TMPDIR": str(tmp)},
        )

    def finish(self, timeout: float) -> tuple[str, str]:
        """Its output once it ends (and in `leftovers`, what it left in its TMPDIR); on a
        timeout, stop it (see stop) and raise TimeoutExpired."""
        try:
            out = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            raise
        self.leftovers = sorted(str(p.relative_to(self.tmp)) for p in self.tmp.rglob("*"))
        shutil.rmtree(self.tmp, ignore_errors=True)
        return out

    def stop(self) -> None:
        """SIGTERM to the whole group (the bench then runs its finally blocks and atexit hooks,
        the servers shut down cleanly), SIGKILL to whatever is left after a while."""
        for sig, grace in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                break
            deadline = time.monotonic() + grace
            while group_members(self.proc.pid) and time.monotonic() < deadline:
                self.proc.poll()  # reap the bench itself once it exits
                time.sleep(0.1)
        self.proc.communicate()
        shutil.rmtree(self.tmp, ignore_errors=True)


def group_members(pgid: int) -> list[int]:
    """The live (not zombie) processes in process group `pgid`."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:
            members.append(int(stat.parent.name))
    return members


@pytest.mark.parametrize(
    "script,figures",
    [
        ("startup.py", ["start_to_first_200_s", "minimal_flask_waitress_s", "ratio"]),
        ("auth.py", ["health_rps", "auth_packages_rps", "ratio"]),
        ("process.py", ["unzip_s", "process_s", "ratio", "server_peak_rss_mb"]),
        ("upload.py", ["cp_mib_s", "put_mib_s", "ratio"]),
        ("content.py", ["health_rps", "content_rps", "ratio"]),
        ("commit.py", ["health_rps", "commits_per_s", "ratio"]),
        ("backup.py", ["tar_s", "backup_s", "ratio", "commit_p99_ms_quiet", "p99_ratio"]),
        ("dashboard.py", ["slowest_page_ms"]),
        (
            "xapi_ingest.py",
            [
                "varied_ratio_single_1c",
                "varied_ratio_batch100_4c",
                "varied_p99_over_p50_single_1c",
                "template_ratio_single_1c",
                "floor_sqlite_single_1c_per_s",
                "server_cpu_us_per_statement_single_1c",
                "in_process_cpu_us_per_statement_single",
            ],
        ),
        ("xapi_query.py", ["p50_ratio_agent", "p50_ratio_since", "p50_ratio_analytics_actors"]),
        ("sync.py", ["sync_over_minimal", "rerun_share", "sync_peak_rss_mb"]),
        ("sync_file.py", ["file_over_http"]),
        ("slow_clients.py", ["health_p99_ms_baseline", "health_p99_ms_slow_clients"]),
        ("webhooks.py", ["commit_ratio", "delivery_p50_ms", "delivery_p99_ms", "backlog_deliveries_per_s"]),
        pytest.param(
            "dispatch.py",
            [
                "direct_launch_ms",
                "dispatch_launch_ms",
                "shell_to_content_ms",
                "tab_launch_ms",
                "launch_ratio",
                "generate_ms",
                "build_ms",
            ],
            marks=pytest.mark.browser,
        ),
    ],
)
def test_benchmark_runs_and_prints_its_figures(script, figures):
    if script in USES_FIXTURES:
        require_fixtures()
    if script in NEEDS_WRK and not shutil.which("wrk"):
        pytest.skip(f"{script} needs wrk (apt-get install wrk)")
    run = BenchRun(script)
    stdout, stderr = run.finish(timeout=600)
    assert run.proc.returncode == 0, stderr
    for name in figures:
        assert re.search(rf"{name}\s+(median\s+)?[\d.]+", stdout), stdout + stderr
    assert run.leftovers == []  # its data dirs removed, its files too


def test_a_bench_that_times_out_leaves_no_process_and_no_files():
    """Once a bench timed out and its server ran on for half an hour: the timeout now takes the
    whole process group down, and the bench's files with it."""
    run = BenchRun("commit.py")
    tmp = run.tmp
    try:
        published = wait_until(lambda: next(tmp.rglob("instance.json"), None), 120, interval=0.2)
        server = json.loads(published.read_text())["pid"]
        assert server in group_members(run.proc.pid)  # the bench's server, in its group
        with pytest.raises(subprocess.TimeoutExpired):
            run.finish(timeout=0.1)  # the bench has hardly begun: this is the timeout's path
    finally:
        if run.proc.poll() is None:  # only if the test failed before finish() stopped it
            run.stop()
    assert group_members(run.proc.pid) == []
    assert not Path(f"/proc/{server}").exists() or "\tZ" in Path(f"/proc/{server}/status").read_text()
    assert not tmp.exists()
