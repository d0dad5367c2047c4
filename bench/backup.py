"""Backup speed and its cost to learners: `scorm-api backup` of a data dir with 1 GiB of stored
package files and 100,000 sessions, against `tar -cf` of the same data dir, in one run; and
the runtime commits' p99 (20 learners, wrk) while backups run, against their p99 without.
Targets: backup <= 1.5x tar; commit p99 during a backup <= 2x without.

The files are random bytes (packages are zips: they do not compress), 20 packages of one
25 MB archive and 200 content files each. Each timing is the median of alternating rounds,
the page cache warm for both (tar reads first once), each round into a new file after a
sync. The backup does more than tar: it copies the database through SQLite (a consistent
snapshot), hashes every byte and fsyncs its file before it says "written"; tar does none."""

import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from commit import commit_paths, lua_script, run_wrk
from dashboard import seed

from _common import bench_server, quick
from tests.support import scratch_dir

PASSPHRASE = "bench backup passphrase"


def write_files(files_dir, packages: int, zip_bytes: int, content_files: int, content_bytes: int) -> int:
    total = 0
    for n in range(packages):
        folder = files_dir / "packages" / f"bench-{n:03d}"
        (folder / "content").mkdir(parents=True)
        (folder / "package.zip").write_bytes(os.urandom(zip_bytes))
        total += zip_bytes
        for i in range(content_files):
            (folder / "content" / f"page-{i:04d}.html").write_bytes(os.urandom(content_bytes))
            total += content_bytes
    return total


def timed(cmd: list[str], stdin: str | None = None, fresh: Path | None = None) -> float:
    """Seconds `cmd` takes. With `fresh`, that output is removed first and the disk given
    every dirty page before the clock starts, so no round pays for the one before it."""
    if fresh is not None:
        fresh.unlink(missing_ok=True)
        os.sync()
    t0 = time.perf_counter()
    subprocess.run(cmd, input=stdin, text=True, check=True, capture_output=True)
    return time.perf_counter() - t0


if __name__ == "__main__":
    small = quick()
    sessions = 500 if small else 100_000
    srv = bench_server()
    out = scratch_dir("backup-bench-")
    try:
        seed(srv, packages=5 if small else 50, sessions=sessions)
        stored = write_files(
            srv.data_dir / "files",
            packages=2 if small else 20,
            zip_bytes=(1 if small else 25) * 1024 * 1024,
            content_files=20 if small else 200,
            content_bytes=(16 if small else 128) * 1024,
        )
        backup_cmd = [
            sys.executable,
            "-m",
            "scorm_api",
            "backup",
            str(out / "b.tar"),
            "--data-dir",
            str(srv.data_dir),
            "--passphrase-stdin",
        ]
        tar_cmd = ["tar", "-cf", str(out / "t.tar"), "-C", str(srv.data_dir), "."]
        # What the backup does beyond tar, done by the shell's tools: hash every byte, sync.
        checked_cmd = [
            "sh",
            "-c",
            f'tar -cf - -C "{srv.data_dir}" . | tee "{out / "s.tar"}" | sha256sum >/dev/null && sync -d "{out / "s.tar"}"',
        ]

        # Commit latency without, then with backups running back to back.
        paths = commit_paths(srv)
        script = out / "commit.lua"
        script.write_text(lua_script(paths))
        seconds = 3 if small else 15
        run_wrk(srv.url, script, 1)
        quiet = run_wrk(srv.url, script, seconds)
        stop = threading.Event()
        backups = []

        def back_up_until_stopped():
            while not stop.is_set():
                backups.append(timed(backup_cmd, PASSPHRASE + "\n"))

        runner = threading.Thread(target=back_up_until_stopped)
        runner.start()
        time.sleep(0.5)
        busy = run_wrk(srv.url, script, seconds)
        stop.set()
        runner.join()

        subprocess.run(tar_cmd, check=True, capture_output=True)  # the page cache warm
        rounds = 1 if small else 5
        tar_s, checked_s, backup_s = [], [], []
        for _ in range(rounds):
            tar_s.append(timed(tar_cmd, fresh=out / "t.tar"))
            checked_s.append(timed(checked_cmd, fresh=out / "s.tar"))
            backup_s.append(timed(backup_cmd, PASSPHRASE + "\n", fresh=out / "b.tar"))
        size = (out / "b.tar").stat().st_size
    finally:
        srv.stop()
        shutil.rmtree(out, ignore_errors=True)

    t, b, c = statistics.median(tar_s), statistics.median(backup_s), statistics.median(checked_s)
    ratio = b / t
    p99_ratio = busy["99"] / quiet["99"]
    print(
        f"data dir: {sessions:,} sessions, {stored / 2**30:.2f} GiB of stored files; backup file {size / 2**30:.2f} GiB"
    )
    print(f"rounds {rounds} (alternating, median); backups during the commit load: {len(backups)}")
    print(f"tar_s median {t:.2f}  (rounds {', '.join(f'{x:.2f}' for x in tar_s)})")
    print(f"backup_s median {b:.2f}  (rounds {', '.join(f'{x:.2f}' for x in backup_s)})")
    print(f"ratio {ratio:.2f} (target <= 1.5: {'met' if ratio <= 1.5 else 'NOT met'})")
    print(f"tar_sha256_sync_s median {c:.2f}  (rounds {', '.join(f'{x:.2f}' for x in checked_s)})")
    print(f"ratio_to_tar_sha256_sync {b / c:.2f}")
    print(f"commit_p99_ms_quiet {quiet['99']:.2f}  (p50 {quiet['50']:.2f}, {quiet['rps']:.0f}/s)")
    print(f"commit_p99_ms_during_backup {busy['99']:.2f}  (p50 {busy['50']:.2f}, {busy['rps']:.0f}/s)")
    print(f"p99_ratio {p99_ratio:.2f} (target <= 2: {'met' if p99_ratio <= 2 else 'NOT met'})")
