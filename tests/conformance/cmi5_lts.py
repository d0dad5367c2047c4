"""Run the cmi5 LMS Test Suite of ADL's Project CATAPULT (adlnet/CATAPULT, lts/) against a
freshly started appliance, and print its summary.

The suite is not on the npm registry: clone its public repository, then in lts/:

    PUPPETEER_SKIP_DOWNLOAD=1 PUPPETEER_SKIP_CHROMIUM_DOWNLOAD=1 npm ci
    cd pkg && NODE_OPTIONS=--openssl-legacy-provider npx webpack     # builds the test packages

and run:

    .venv/bin/python tests/conformance/cmi5_lts.py --lts /path/to/CATAPULT/lts

The suite drives Debian's Chromium (puppeteer, through a jest-puppeteer config this script
writes); its LMS adapter, tests/conformance/cmi5_lts_lms.js, talks to the appliance's REST API.
Nothing of the suite is copied into this repository.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.support import scratch_dir, start_server

HERE = Path(__file__).resolve().parent


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lts", required=True, type=Path, help="the suite's lts/ folder, installed and built")
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    ap.add_argument("--tests", default=None, help="only these test files (e.g. __tests__/runtime.js)")
    args = ap.parse_args()
    if not (args.lts / "pkg" / "dist" / "001-essentials.zip").exists():
        ap.error(f"{args.lts}/pkg/dist has no packages: install and build the suite first")

    work = scratch_dir("cmi5-lts-")
    browser_config = work / "jest-puppeteer.config.js"
    browser_config.write_text(
        "module.exports = "
        + json.dumps(
            {
                "launch": {
                    "executablePath": args.chromium,
                    "headless": True,
                    "args": ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
                }
            }
        )
        + ";\n"
    )
    srv = start_server(work / "data", "--no-rate-limits")  # a fresh data dir prints its first API key
    try:
        cred = requests.post(
            srv.url + "/api/v1/xapi/credentials",
            timeout=10,
            json={"name": "cmi5 LTS"},
            headers={"Authorization": f"Bearer {srv.admin_key}"},
        ).json()
        env = {
            **os.environ,
            "CATAPULT_LMS": str(HERE / "cmi5_lts_lms.js"),
            "CATAPULT_LTS_DIR": str(args.lts),
            "JEST_PUPPETEER_CONFIG": str(browser_config),
            "SCORM_API_URL": srv.url,
            "SCORM_API_KEY": srv.admin_key,
            "SCORM_API_LRS_USER": cred["username"],
            "SCORM_API_LRS_PASSWORD": cred["password"],
        }
        cmd = ["npx", "jest", "--ci", "--runInBand"] + ([args.tests] if args.tests else [])
        out = subprocess.run(cmd, cwd=args.lts, env=env, capture_output=True, text=True, timeout=3600)
    finally:
        srv.stop()
    report = out.stdout + out.stderr
    (work / "jest-output.txt").write_text(report)
    summary = re.search(r"^Tests:\s+(.*)$", report, re.M)
    if not summary:
        print(f"the suite printed no summary:\n{report[-4000:]}")
        return 1
    print(f"cmi5 LMS Test Suite: {summary.group(1)} (output: {work / 'jest-output.txt'})")
    failures = [line.strip() for line in report.splitlines() if line.strip().startswith("✕")]
    for line in failures:
        print("  " + line)
    return 0 if out.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
