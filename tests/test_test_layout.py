"""The tests' own layout: shared helpers live in helper modules (tests/support.py and the
modules beside the tests of one area), fixtures reach other folders through pytest
(conftest.py, pytest_plugins), and no module under tests/ imports a test module
(test_*.py or conftest.py)."""

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def is_test_module(name: str) -> bool:
    """Whether the dotted module name `name` is a test module: test_*.py or conftest.py."""
    last = name.rsplit(".", 1)[-1]
    return last.startswith("test_") or last == "conftest"


def imported_modules(path: Path, package: str) -> list[tuple[int, str]]:
    """(line, dotted name) of every module `path` imports, anywhere in it, relative imports
    resolved against `package`; for `from x import y`, both x and x.y (y may be a module)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parent = ".".join(parts[: len(parts) - node.level + 1])
                base = f"{parent}.{base}" if base else parent
            found.append((node.lineno, base))
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


def imports_of_test_modules(root: Path) -> list[str]:
    """Every import of a test module by a module under `root` (a package such as tests/),
    as `path:line: imports name`."""
    found = set()
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root.parent)
        package = ".".join(rel.parent.parts)
        for line, name in imported_modules(path, package):
            if (name == root.name or name.startswith(root.name + ".")) and is_test_module(name):
                found.add((rel.as_posix(), line, name))
    return [f"{rel}:{line}: imports {name}" for rel, line, name in sorted(found)]


def test_no_module_imports_a_test_module():
    offenders = imports_of_test_modules(TESTS)
    assert not offenders, (
        "test modules (test_*.py, conftest.py) must not be imported; move shared helpers to a "
        "helper module (tests/support.py or one beside the area's tests) and shared fixtures to "
        "a conftest.py or a pytest_plugins module:\n" + "\n".join(offenders)
    )


def test_the_detector_reports_such_imports(tmp_path):
    root = tmp_path / "tests"
    (root / "xapi").mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / "xapi" / "__init__.py").write_text("")
    (root / "support.py").write_text("import json\nfrom tests import test_errors\n")
    (root / "xapi" / "statements.py").write_text("from tests.support import json\n")
    (root / "test_errors.py").write_text("def assert_envelope():\n    pass\n")
    (root / "xapi" / "test_lrs.py").write_text(
        "from tests.support import json\n"
        "from tests.test_errors import assert_envelope\n"
        "from tests.xapi.statements import json as j\n"
        "def test_x():\n"
        "    from .conftest import lrs\n"
    )
    (root / "xapi" / "conftest.py").write_text(
        "import tests.xapi.test_lrs\nfrom tests.xapi import test_lrs\nfrom . import statements\n"
    )
    assert imports_of_test_modules(root) == [
        "tests/support.py:2: imports tests.test_errors",
        "tests/xapi/conftest.py:1: imports tests.xapi.test_lrs",
        "tests/xapi/conftest.py:2: imports tests.xapi.test_lrs",
        "tests/xapi/test_lrs.py:2: imports tests.test_errors",
        "tests/xapi/test_lrs.py:5: imports tests.xapi.conftest",
    ]
