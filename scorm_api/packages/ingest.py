"""Zip safety: inspect an uploaded zip before anything is written, then extract it streaming.

Refused: path traversal (`..`, absolute paths, drive letters, backslashes, NUL), symlinks,
encrypted entries, duplicate names (also by case and by Unicode normalisation, since packages
are served from case-folding and normalising file systems too), a file and a folder of the
same name, names no file system of ours can hold (over 255 bytes a part), names Windows
cannot (CON, aux.html, trailing dots or spaces, `:` as in NTFS streams), entries whose real
size differs from the declared one, entries that overlap or data before the first entry (an
archive appended to another, which other tools read differently), and zip bombs (caps on file
count, total uncompressed size and compression ratio). Every refusal is a 400 with a reason;
extraction goes to a temporary folder the caller renames into place or deletes.
"""

from __future__ import annotations

import itertools
import re
import shutil
import stat
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from scorm_api.packages.xmlutil import rejected

MiB = 1024 * 1024
DESCRIPTORS = ("imsmanifest.xml", "cmi5.xml", "tincan.xml")  # in order of precedence
# Entries that tools add and no course needs.
IGNORED = re.compile(r"(^|/)(__MACOSX/|\.DS_Store$|Thumbs\.db$)")
_DRIVE = re.compile(r"^[A-Za-z]:")
# Names Windows reserves for devices, with or without an extension (aux.html is AUX).
_WINDOWS_DEVICE = re.compile(r"^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\.|$)", re.I)
MAX_PART_BYTES = 255  # ext4, NTFS, APFS: a file or folder name
MAX_NAME_CHARS = 1024  # a whole path inside the package (a storage key, a URL)
CHUNK = 1 * MiB


@dataclass(frozen=True)
class ZipLimits:
    max_files: int = 20_000
    max_total_bytes: int = 4 * 1024 * MiB
    # Ratio above which an entry counts as a bomb; small entries (text of repeated bytes)
    # compress very well legitimately, so only entries past `ratio_floor_bytes` are judged.
    max_ratio: float = 200.0
    ratio_floor_bytes: int = 1 * MiB


@dataclass
class ZipPlan:
    entries: list[tuple[zipfile.ZipInfo, str]]  # (entry, path relative to the package root)
    root_prefix: str
    descriptor: str  # which of DESCRIPTORS was found
    total_bytes: int
    warnings: list[dict] = field(default_factory=list)

    @property
    def files(self) -> set[str]:
        return {rel for _, rel in self.entries}


def _check_name(name: str) -> None:
    if "\x00" in name or "\\" in name:
        raise rejected("unsafe_path", f"Zip entry {name!r} has a backslash or NUL in its name", entry=name)
    if name.startswith("/") or _DRIVE.match(name):
        raise rejected("unsafe_path", f"Zip entry {name!r} has an absolute path", entry=name)
    if any(part == ".." for part in name.split("/")):
        raise rejected(
            "unsafe_path", f"Zip entry {name!r} points outside the package (path traversal)", entry=name
        )
    if ":" in name:
        raise rejected(
            "unsafe_name",
            f"Zip entry {name!r} has a colon in its name (an NTFS stream on Windows)",
            entry=name,
        )
    if len(name) > MAX_NAME_CHARS:
        raise rejected(
            "name_too_long",
            f"Zip entry {name[:80]!r}... is longer than {MAX_NAME_CHARS} characters",
            entry=name,
        )
    for part in filter(None, name.split("/")):
        if len(part.encode("utf-8")) > MAX_PART_BYTES:
            raise rejected(
                "name_too_long",
                f"Zip entry {name[:80]!r} has a name part longer than {MAX_PART_BYTES} bytes, "
                "more than file systems hold",
                entry=name,
            )
        if _WINDOWS_DEVICE.match(part) or part.endswith((".", " ")):
            raise rejected(
                "unsafe_name",
                f"Zip entry {name!r} has a name Windows cannot hold ({part!r}: a device name, or a "
                "trailing dot or space)",
                entry=name,
            )


def _name_key(name: str) -> str:
    """Two names one file system may treat as the same file: by case and Unicode form."""
    return unicodedata.normalize("NFC", name).casefold()


def _check_layout(infos: list[zipfile.ZipInfo]) -> None:
    """No data before the first entry (an appended archive: we would read the last one, other
    tools the first), and no two entries sharing bytes (the overlapping-entries zip bomb)."""
    ordered = sorted(infos, key=lambda i: i.header_offset)
    if ordered and ordered[0].header_offset > 0:
        raise rejected(
            "appended_archive",
            "The zip has other data before its first entry (an archive appended to another, "
            "or a self-extractor): zip the course again as one plain archive",
        )
    for a, b in itertools.pairwise(ordered):
        if a.header_offset + a.compress_size > b.header_offset:
            raise rejected(
                "overlapping_entries",
                f"Zip entries {a.filename!r} and {b.filename!r} share their bytes (a zip bomb?)",
                entry=b.filename,
            )


def _check_file_folder_clash(files: list[zipfile.ZipInfo], dirs: set[str]) -> None:
    keys = {_name_key(i.filename): i.filename for i in files}
    for info in files:
        parts = info.filename.split("/")
        for n in range(1, len(parts)):
            prefix = _name_key("/".join(parts[:n]))
            if prefix in keys:
                raise rejected(
                    "path_conflict",
                    f"The zip has {keys[prefix]!r} as a file and as the folder of {info.filename!r}",
                    entry=info.filename,
                )
    for d in dirs:
        if _name_key(d.rstrip("/")) in keys:
            raise rejected(
                "path_conflict", f"The zip has {d.rstrip('/')!r} as a file and as a folder", entry=d
            )


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(info.external_attr >> 16)


def inspect_zip(zf: zipfile.ZipFile, limits: ZipLimits = ZipLimits()) -> ZipPlan:
    files: list[zipfile.ZipInfo] = []
    seen: dict[str, str] = {}
    total = 0
    infos = zf.infolist()
    if len(infos) > limits.max_files * 2:  # cheap early stop before looking at each entry
        raise rejected(
            "too_many_files",
            f"The zip has {len(infos)} entries; the limit is {limits.max_files} files",
            limit=limits.max_files,
        )
    _check_layout(infos)
    dirs: set[str] = set()
    for info in infos:
        name = info.filename
        _check_name(name)
        if _is_symlink(info):
            raise rejected(
                "symlink",
                f"Zip entry {name!r} is a symbolic link; links are not allowed in packages",
                entry=name,
            )
        if info.flag_bits & 0x1:
            raise rejected(
                "encrypted", f"Zip entry {name!r} is encrypted; upload an unencrypted zip", entry=name
            )
        if info.is_dir():
            dirs.add(name)
            continue
        if IGNORED.search(name):
            continue
        key = _name_key(name)
        if key in seen:
            raise rejected(
                "duplicate_entry",
                f"The zip contains {name!r} twice"
                + (f" (also as {seen[key]!r})" if seen[key] != name else ""),
                entry=name,
            )
        seen[key] = name
        if info.file_size > limits.ratio_floor_bytes and info.file_size > limits.max_ratio * max(
            info.compress_size, 1
        ):
            raise rejected(
                "zip_bomb",
                f"Zip entry {name!r} expands {info.file_size // max(info.compress_size, 1)}"
                f"-fold; the limit is {limits.max_ratio:.0f} (zip bomb?)",
                entry=name,
            )
        total += info.file_size
        files.append(info)
    _check_file_folder_clash(files, dirs)
    if len(files) > limits.max_files:
        raise rejected(
            "too_many_files",
            f"The zip has {len(files)} files; the limit is {limits.max_files}",
            limit=limits.max_files,
            current=len(files),
        )
    if total > limits.max_total_bytes:
        raise rejected(
            "too_large",
            f"The zip unpacks to {total // MiB} MB; the limit is {limits.max_total_bytes // MiB} MB",
            limit=limits.max_total_bytes,
            current=total,
        )
    prefix, descriptor, warnings = _find_root(files)
    entries = [(i, i.filename[len(prefix) :]) for i in files if i.filename.startswith(prefix)]
    return ZipPlan(entries, prefix, descriptor, total, warnings)


def _find_root(files: list[zipfile.ZipInfo]) -> tuple[str, str, list[dict]]:
    names = {i.filename for i in files}
    for d in DESCRIPTORS:
        if d in names:
            return "", d, []
    tops = {n.split("/", 1)[0] for n in names}
    if len(tops) == 1 and all("/" in n for n in names):
        top = tops.pop() + "/"
        for d in DESCRIPTORS:
            if top + d in names:
                return (
                    top,
                    d,
                    [
                        {
                            "code": "package_in_top_folder",
                            "message": f"The whole package was zipped inside the folder "
                            f"{top!r}; it was imported from there. Zip the "
                            "folder's contents, not the folder, next time.",
                        }
                    ],
                )
    nested = sorted(n for n in names if n.rsplit("/", 1)[-1] in DESCRIPTORS)
    hint = f" (found {nested[0]!r}: zip the folder that contains it)" if nested else ""
    raise rejected(
        "missing_manifest",
        "The zip has no imsmanifest.xml at its root (nor "
        f"cmi5.xml or tincan.xml), so it is not a SCORM, cmi5 or xAPI package{hint}",
    )


def read_descriptor(zf: zipfile.ZipFile, plan: ZipPlan, max_bytes: int) -> bytes:
    info = next(i for i, rel in plan.entries if rel == plan.descriptor)
    if info.file_size > max_bytes:
        raise rejected(
            "manifest_too_large",
            f"{plan.descriptor} is larger than {max_bytes // MiB} MB",
            file=plan.descriptor,
        )
    return _read_checked(zf, info)


def _read_checked(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    try:
        data = zf.read(info)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as e:
        raise rejected(
            "corrupt_entry", f"Zip entry {info.filename!r} cannot be read: {e}", entry=info.filename
        ) from None
    if len(data) != info.file_size:
        raise rejected(
            "size_mismatch",
            f"Zip entry {info.filename!r} is not the size its header declares",
            entry=info.filename,
        )
    return data


class Scanner(Protocol):
    def wants(self, path: str, size: int) -> bool: ...
    def feed(self, path: str, data: bytes) -> None: ...


def extract(zf: zipfile.ZipFile, plan: ZipPlan, dest: Path, scanner: Scanner | None = None) -> None:
    """Stream every planned entry into `dest` (which must be new and empty).

    Memory stays flat whatever the sizes; an entry that yields more or fewer bytes than
    declared, or fails its CRC, aborts the whole extraction (the caller removes `dest`).
    Files the scanner wants (small text files) are handed to it as they stream past, so
    scanning costs no second read.
    """
    root = dest.resolve()
    made: set[Path] = set()
    for info, rel in plan.entries:
        target = (root / rel).resolve()
        if root not in target.parents:
            raise rejected(
                "unsafe_path", f"Zip entry {info.filename!r} points outside the package", entry=info.filename
            )
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        written = 0
        keep = bytearray() if scanner is not None and scanner.wants(rel, info.file_size) else None
        try:
            with zf.open(info) as src, open(target, "xb") as out:
                while chunk := src.read(CHUNK):
                    written += len(chunk)
                    if written > info.file_size:
                        break
                    out.write(chunk)
                    if keep is not None:
                        keep += chunk
        except FileExistsError:
            raise rejected(
                "duplicate_entry", f"The zip contains {info.filename!r} twice", entry=info.filename
            ) from None
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as e:
            raise rejected(
                "corrupt_entry", f"Zip entry {info.filename!r} cannot be read: {e}", entry=info.filename
            ) from None
        if written != info.file_size:
            raise rejected(
                "size_mismatch",
                f"Zip entry {info.filename!r} is not the size its header declares",
                entry=info.filename,
            )
        if keep is not None and scanner is not None:
            scanner.feed(rel, bytes(keep))


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
