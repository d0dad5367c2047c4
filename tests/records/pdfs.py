"""A PDF's text and page images, with poppler (Debian's poppler-utils): what a reader sees."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tests.support import require


def _tool(name: str) -> str:
    found = shutil.which(name)
    require(f"poppler's {name} (Debian: poppler-utils)", found is not None, "SCORM_API_REQUIRE_POPPLER")
    assert found is not None
    return found


def pdf_text(data: bytes, folder: Path) -> str:
    path = folder / "record.pdf"
    path.write_bytes(data)
    out = subprocess.run(
        [_tool("pdftotext"), "-layout", str(path), "-"], capture_output=True, text=True, check=True
    )
    return out.stdout


def pdf_fonts(data: bytes, folder: Path) -> list[list[str]]:
    """pdffonts' rows: name, type, encoding, embedded, subset, unicode, ..."""
    path = folder / "fonts.pdf"
    path.write_bytes(data)
    out = subprocess.run([_tool("pdffonts"), str(path)], capture_output=True, text=True, check=True).stdout
    return [line.split() for line in out.splitlines()[2:]]


def pdf_pages(data: bytes, folder: Path, stem: str, dpi: int = 80) -> list[Path]:
    """Each page as a PNG (to look at)."""

    def mine() -> list[Path]:  # stem-1.png, stem-2.png... not another stem's that starts alike
        return sorted(p for p in folder.glob(f"{stem}-*.png") if p.stem[len(stem) + 1 :].isdigit())

    for old in mine():  # an earlier run's, maybe of more pages
        old.unlink()
    path = folder / f"{stem}.pdf"
    path.write_bytes(data)
    subprocess.run([_tool("pdftoppm"), "-png", "-r", str(dpi), str(path), str(folder / stem)], check=True)
    return mine()
