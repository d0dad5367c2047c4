#!/usr/bin/env python3
"""Re-fetch the vendored front-end assets from the npm registry and verify them.

    python packaging/vendor.py          fetch every package in vendor.json (npm pack), copy the
                                        listed files into place, write a NOTICE beside them
    python packaging/vendor.py --check  only verify the files on disk against the checksums
    python packaging/vendor.py --update-checksums
                                        fetch, then record the new checksums (after a version bump)

Nothing is loaded from the internet at run time: these files ship inside the app.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = Path(__file__).resolve().parent / "vendor.json"


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def load_manifest() -> dict:
    return json.loads(MANIFEST.read_text())


def verify(manifest: dict) -> list[str]:
    problems = []
    for pkg in manifest["packages"]:
        for rel, expected in pkg["sha256"].items():
            path = ROOT / rel
            if not path.is_file():
                problems.append(f"{rel}: missing")
            elif sha256(path) != expected:
                problems.append(f"{rel}: checksum differs from vendor.json")
    return problems


def fetch(pkg: dict, workdir: Path) -> None:
    spec = f"{pkg['name']}@{pkg['version']}"  # always an exact version: npm may serve an old one otherwise
    out = (
        subprocess.run(
            ["npm", "pack", spec, "--silent"], cwd=workdir, check=True, capture_output=True, text=True
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    with tarfile.open(workdir / out) as tar:
        tar.extractall(workdir / "x", filter="data")
    src_root = workdir / "x" / "package"
    meta = json.loads((src_root / "package.json").read_text())
    if meta["version"] != pkg["version"]:
        raise SystemExit(f"{spec}: npm served version {meta['version']}")
    for src, dest in pkg["files"].items():
        target = ROOT / dest
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src_root / src, target)
        (target.parent / "NOTICE").write_text(
            f"{meta['name']} {meta['version']}, licence {meta.get('license', 'see package')}, "
            f"from the npm registry. Files: {', '.join(pkg['files'])}.\n"
        )


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--update-checksums", action="store_true")
    args = ap.parse_args()
    manifest = load_manifest()
    if not args.check:
        for pkg in manifest["packages"]:
            with tempfile.TemporaryDirectory() as tmp:
                fetch(pkg, Path(tmp))
            if args.update_checksums:
                pkg["sha256"] = {dest: sha256(ROOT / dest) for dest in pkg["files"].values()}
        if args.update_checksums:
            MANIFEST.write_text(json.dumps(manifest, indent=2) + "\n")
    problems = verify(manifest)
    for p in problems:
        print(p, file=sys.stderr)
    print("vendored assets OK" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
