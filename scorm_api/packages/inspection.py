"""Checking a package zip as a whole before it is imported: zip safety, the manifest, and
whether the files the manifest names are really in the zip."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass

from scorm_api.packages import launch_urls
from scorm_api.packages.ingest import ZipLimits, ZipPlan, inspect_zip, read_descriptor
from scorm_api.packages.manifest import Manifest, package_path, parse_manifest, referenced_files
from scorm_api.packages.xapi_descriptors import parse_cmi5, parse_tincan
from scorm_api.packages.xmlutil import MAX_MANIFEST_BYTES, rejected

PARSERS = {"imsmanifest.xml": parse_manifest, "cmi5.xml": parse_cmi5, "tincan.xml": parse_tincan}

MAX_LISTED_PATHS = 20  # how many paths a warning names before it only counts


@dataclass
class InspectedPackage:
    manifest: Manifest
    plan: ZipPlan

    @property
    def warnings(self) -> list[dict]:
        return self.plan.warnings + self.manifest.warnings


def _sample(paths) -> list[str]:
    return sorted(paths)[:MAX_LISTED_PATHS]


def inspect_package(zf: zipfile.ZipFile, limits: ZipLimits = ZipLimits()) -> InspectedPackage:
    plan = inspect_zip(zf, limits)
    manifest = PARSERS[plan.descriptor](read_descriptor(zf, plan, MAX_MANIFEST_BYTES))
    files = plan.files
    launch = manifest.launch_href
    if not launch_urls.is_absolute(launch):
        launch_path = package_path(launch, "The launch file")
        if launch_path not in files:
            raise rejected(
                "launch_file_missing",
                f"The launch file {launch_path!r} (item {manifest.launch_item!r}) is not in the zip",
                file=launch_path,
            )
    if plan.descriptor != "imsmanifest.xml":
        return InspectedPackage(manifest, plan)  # cmi5/xAPI descriptors do not list files
    named = referenced_files(manifest)
    missing = named - files
    if missing:
        manifest.warnings.append(
            {
                "code": "listed_files_missing",
                "message": f"{_files(len(missing))} listed in the manifest {_are(missing)} not in the zip",
                "files": _sample(missing),
            }
        )
    unlisted = files - named - {"imsmanifest.xml"}
    unlisted = {f for f in unlisted if not f.endswith(".xsd")}  # schema files are never listed
    if unlisted:
        manifest.warnings.append(
            {
                "code": "files_not_listed",
                "message": f"{_files(len(unlisted))} in the zip {_are(unlisted)} not listed in "
                "<resources>; imported and served anyway",
                "files": _sample(unlisted),
            }
        )
    return InspectedPackage(manifest, plan)


def _files(n: int) -> str:
    """ "1 file", "3 files": the warnings are read by trainers on the dashboard."""
    return f"{n} file" if n == 1 else f"{n} files"


def _are(files: set) -> str:
    return "is" if len(files) == 1 else "are"
