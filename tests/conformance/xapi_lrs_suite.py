"""Run the ADL xAPI LRS conformance suite (adlnet/lrs-conformance-test-suite) against a freshly
started appliance, for xAPI 1.0.3 and 2.0.0, and print each version's summary.

The suite is not on the npm registry: clone its public repository somewhere, run
`npm install --no-audit --no-fund` in it, then:

    .venv/bin/python tests/conformance/xapi_lrs_suite.py --suite /path/to/lrs-conformance-test-suite

The suite's exit code is its failure count (modulo 256), so this script reads the summary it
prints instead. Nothing of the suite is copied into this repository.

Each version's suite runs against a fresh appliance in its default configuration (1.0.3 and
2.0.0 both enabled), as users run it. Both suites send requests without the version header
and expect the refusal to name their own version: the LRS answers those in the version the
same credentials last spoke (scorm_api/xapi/client_versions.py). `--alone` also runs each suite
against an appliance with only its own version enabled.

CI cannot run it: the suite is only on GitHub, and CI reaches the package registries alone.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.support import lrs_credentials_json, scratch_dir, start_server


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--suite", required=True, type=Path, help="a checkout of the suite, npm-installed")
    ap.add_argument("--versions", default="1.0.3,2.0.0")
    ap.add_argument("--grep", default=None, help="only tests whose title matches (the suite's -g)")
    ap.add_argument(
        "--alone",
        action="store_true",
        help="also run each suite against an LRS with only its own version enabled",
    )
    args = ap.parse_args()
    runner = args.suite / "bin" / "console_runner.js"
    if not runner.exists():
        ap.error(f"{runner} not found: is --suite a checkout of lrs-conformance-test-suite?")

    runs = [(v, "1.0.3,2.0.0") for v in args.versions.split(",")]
    if args.alone:
        runs += [(v, v) for v in args.versions.split(",")]
    failed_any = False
    for version, enabled in runs:
        summary = _run(runner, args.suite, version, enabled, args.grep)
        failed_any = failed_any or summary is None or summary["failed"] > 0
    return 1 if failed_any else 0


def _run(runner: Path, suite: Path, version: str, enabled: str, grep: str | None) -> dict | None:
    """One suite run against a fresh appliance with `enabled` versions; print and return its summary."""
    data_dir = scratch_dir("lrs-conformance-") / "data"
    cred = lrs_credentials_json(data_dir)
    srv = start_server(data_dir, "--no-rate-limits", "--xapi-versions", enabled)
    try:
        cmd = [
            "node",
            str(runner),
            "-x",
            version,
            "-e",
            srv.url + "/xapi",
            "-a",
            "-u",
            cred["username"],
            "-p",
            cred["password"],
            "-z",
        ]
        if grep:
            cmd += ["-g", grep]
        out = subprocess.run(cmd, cwd=suite, capture_output=True, text=True, timeout=1800)
    finally:
        srv.stop()
    summaries = [line for line in out.stdout.splitlines() if line.startswith('{"total"')]
    if not summaries:
        print(
            f"xAPI {version} (LRS with {enabled}): the suite printed no summary\n"
            f"{out.stdout[-2000:]}{out.stderr[-2000:]}"
        )
        return None
    summary = json.loads(summaries[-1])
    log = next(
        (line.split("written to ", 1)[1] for line in out.stdout.splitlines() if "log written to" in line), "?"
    )
    print(
        f"xAPI {version} suite, LRS with {enabled}: {summary['passed']} passed, "
        f"{summary['failed']} failed of {summary['total']} (log: {log})"
    )
    return summary


if __name__ == "__main__":
    sys.exit(main())
