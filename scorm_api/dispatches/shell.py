"""The dispatch's shell: a small standard package (SCORM 1.2, or SCORM 2004 4th Edition on
request) that any LMS imports. Its one SCO finds the host's runtime API, reads the learner,
opens the course from this appliance in a frame (the dispatch's launch URL, token in the URL)
and writes the results the player bridges back into the host's runtime.

Built by a job (`POST /dispatches/{id}/generate`), kept in the object store, downloaded with
`GET /dispatches/{id}/zip`. The shell holds no course content: a new version of the package
reaches every learner without sending a new zip."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from scorm_api.db import utcnow_iso, write_transaction
from scorm_api.dispatches import services
from scorm_api.dispatches.models import Dispatch
from scorm_api.jobs import enqueue
from scorm_api.packages.models import Package
from scorm_api.state import State

GENERATE_JOB = "generate_dispatch_zip"
HERE = Path(__file__).parent / "shell"
_env = Environment(
    loader=FileSystemLoader(HERE), autoescape=select_autoescape(["html", "xml"]), keep_trailing_newline=True
)
MANIFESTS = {"scorm12": "imsmanifest-1.2.xml", "scorm2004": "imsmanifest-2004.xml"}
SHELL_JS = (HERE / "shell.js").read_text()


def _script_safe(text: str) -> Markup:
    """Text for inside a <script> element: no "</" can end it early (a title may hold one)."""
    return Markup(text.replace("</", "<\\/"))


def zip_key(dispatch_id: str) -> str:
    return f"dispatches/{dispatch_id}/shell.zip"


def file_name(d: Dispatch) -> str:
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in d.dispatch_name)[:60].strip("-")
    return f"{safe or 'dispatch'}-{d.zip_standard or 'scorm12'}.zip"


def build(state: State, d: Dispatch) -> bytes:
    """The shell zip's bytes for the dispatch as it is now."""
    standard = d.zip_standard or "scorm12"
    title = d.dispatch_name
    pkg = Package.get_by_id(d.package_id)
    config = {
        "launchUrl": services.launch_url(state, services.token_of(state, d)),
        "contentOrigin": state.settings.content_base_url,
        "standard": standard,
        "title": title,
    }
    # One page, its script inline: the course's frame is asked for as soon as the page is
    # parsed, with no script requests to wait for first (the cloud's shell is likewise
    # "imsmanifest.xml" plus "a redirect page").
    files = {
        "imsmanifest.xml": _env.get_template(MANIFESTS[standard]).render(
            identifier=f"dispatch-shell-{d.id}", title=title, description=pkg.title
        ),
        "index.html": _env.get_template("index.html").render(
            title=title, config=_script_safe(json.dumps(config, indent=2)), shell=_script_safe(SHELL_JS)
        ),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in files.items():
            z.writestr(name, text)
    return out.getvalue()


def request_zip(tenant_id: str, dispatch_id: str, standard: str | None) -> Dispatch:
    """Queue the zip's generation (the seed's "Dispatch generation queued.")."""
    with write_transaction():
        d = services.get(tenant_id, dispatch_id)
        if d.revoked_at:
            raise services.revoked_error()
        if standard:
            d.zip_standard = standard
        d.zip_status, d.zip_error, d.updated_at = "queued", None, utcnow_iso()
        d.save()
        enqueue(GENERATE_JOB, {"dispatch_id": d.id})
    return d


def run_generate_job(payload: dict, state: State) -> None:
    d = Dispatch.get_or_none(Dispatch.id == payload["dispatch_id"])
    if d is None or d.revoked_at:
        return  # deleted or revoked meanwhile: nothing to hand out
    try:
        data = build(state, d)
        state.storage.put(zip_key(d.id), io.BytesIO(data), size=len(data))
    except Exception as e:  # said on the dispatch (the job is retried; a retry that works clears it)
        Dispatch.update(zip_status="failed", zip_error=f"{type(e).__name__}: {e}"[:500]).where(
            Dispatch.id == d.id
        ).execute()
        raise
    with write_transaction():
        Dispatch.update(zip_status="ready", zip_generated_at=utcnow_iso(), zip_error=None).where(
            Dispatch.id == d.id
        ).execute()
