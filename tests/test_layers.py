"""Dependencies point one way: a domain imports only the core and the domains before it in
factory.DOMAINS; the core imports no domain. Only the composition root (the factory, the CLI,
the appliance and the desktop shell) may import anything. A lower layer that needs a feature
above declares a hook (scorm_api.hooks) or a signal instead.

The test walks every import in the package with `ast` (function-level and TYPE_CHECKING
imports included), prints the domain graph, and fails on an upward edge."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import scorm_api
from scorm_api.factory import CORE_ROUTES, DOMAINS

PACKAGE = Path(scorm_api.__file__).parent
# Wiring, not features: they exist to import everything.
ROOT = {
    "scorm_api.__main__",
    "scorm_api.factory",
    "scorm_api.cli",
    "scorm_api.filesync_cli",
    "scorm_api.appliance",
    "scorm_api.desktop",
}


def domain_layers() -> list[str]:
    """The feature domains, lowest first (factory.DOMAINS); the core's routes are the core's."""
    assert not set(CORE_ROUTES) & set(DOMAINS)
    return list(DOMAINS)


def modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = ("scorm_api", *path.relative_to(PACKAGE).with_suffix("").parts)
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def unit_of(module: str) -> str:
    """The domain (or 'core', or 'root') a module belongs to."""
    top = ".".join(module.split(".")[:2])
    if module in ROOT or top in ROOT:
        return "root"
    return top if top in domain_layers() else "core"


def rank(unit: str) -> int:
    if unit == "core":
        return 0
    if unit == "root":
        return len(DOMAINS) + 1
    return 1 + domain_layers().index(unit)


def imports_of(path: Path, module: str, mods: dict[str, Path]) -> set[str]:
    """The package's modules this file imports (`from a import b`: a.b when that is a
    module, else a)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {known(a.name, mods) for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against this module's package
                parts = module.split(".")
                base = parts[: len(parts) - node.level + (path.name == "__init__.py")]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                found.add(
                    known(f"{target}.{alias.name}", mods)
                    if f"{target}.{alias.name}" in mods
                    else known(target, mods)
                )
    return {name for name in found if name}


def known(name: str, mods: dict[str, Path]) -> str | None:
    """The package's module an imported name belongs to, or None (another package)."""
    while name and name not in mods:
        name = name.rpartition(".")[0]
    return name or None


def edges() -> dict[tuple[str, str], set[tuple[str, str]]]:
    """(from unit, to unit) -> {(module, imported module)}."""
    mods = modules()
    out: dict[tuple[str, str], set[tuple[str, str]]] = defaultdict(set)
    for module, path in mods.items():
        for target in imports_of(path, module, mods):
            if target == module:
                continue
            a, b = unit_of(module), unit_of(target)
            if a != b:
                out[(a, b)].add((module, target))
    return out


def short(unit: str) -> str:
    return unit.removeprefix("scorm_api.")


def test_the_layers_are_the_domains_in_wiring_order():
    layers = [short(d) for d in domain_layers()]
    assert layers[:4] == ["tenants", "admin", "packages", "sessions"]
    assert layers.index("xapi") < layers.index("launches") < layers.index("player")
    assert layers[-1] == "dashboard"


def test_no_module_imports_a_layer_above_its_own():
    """The graph is printed (pytest shows it on failure, or with -s)."""
    graph = edges()
    print("\ndomain import graph (lowest first; * = upward):")
    for (a, b), pairs in sorted(graph.items(), key=lambda kv: (rank(kv[0][0]), rank(kv[0][1]))):
        mark = "*" if rank(b) > rank(a) else " "
        print(f"  {mark} {short(a):>10} -> {short(b):<10} ({len(pairs)} imports)")
    upward = sorted(
        f"{m} imports {t} ({short(a)} -> {short(b)})"
        for (a, b), pairs in graph.items()
        if rank(b) > rank(a)
        for m, t in pairs
    )
    assert upward == []


def test_an_upward_import_is_caught(tmp_path):
    """The check can fail: a core module importing a domain is reported."""
    mods = modules()
    fake = tmp_path / "fake.py"
    fake.write_text("from scorm_api.sessions import services\n")
    assert unit_of("scorm_api.fake") == "core"
    targets = imports_of(fake, "scorm_api.fake", mods)
    assert targets == {"scorm_api.sessions.services"}
    assert unit_of("scorm_api.sessions.services") == "scorm_api.sessions"
    assert rank(unit_of("scorm_api.sessions.services")) > rank("core")
