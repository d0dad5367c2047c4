"""What a wheel holds: every file of the scorm_api package that is not Python is named by the
package data of pyproject.toml, so `pip install .` (the README's first command, not editable)
serves the same pages, scripts and templates as the source tree."""

import glob
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "scorm_api"


def packaged(patterns: dict[str, list[str]]) -> set[Path]:
    found: set[Path] = set()
    for init in PACKAGE.rglob("__init__.py"):
        pkg_dir = init.parent
        name = ".".join(pkg_dir.relative_to(ROOT).parts)
        for pattern in patterns.get("*", []) + patterns.get(name, []):
            found |= {pkg_dir / p for p in glob.glob(pattern, root_dir=pkg_dir, recursive=True)}
    return {p for p in found if p.is_file()}


def test_every_data_file_is_in_the_wheel():
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    data = {
        p
        for p in PACKAGE.rglob("*")
        if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts
    }
    assert data, "the package has data files"
    missing = sorted(str(p.relative_to(ROOT)) for p in data - packaged(patterns))
    assert missing == []
