"""Packages: uploads (the seed's presigned flow and multipart), inspection and import of SCORM,
cmi5 and xAPI zips, their parsed structure, course content, downloads and deletion."""

from __future__ import annotations

from flask import Flask

from scorm_api.state import State


def init_app(app: Flask, state: State) -> None:
    from scorm_api.packages import content, routes

    app.register_blueprint(routes.bp)
    app.register_blueprint(content.bp)
    wire(state)


def wire(state: State) -> None:
    from scorm_api.packages import multipart, processing, uploads
    from scorm_api.storage import puts

    state.jobs.handler(processing.PROCESS_JOB, processing.run_import_job)
    state.hooks.add(puts.PUT_RECEIVERS, uploads.Tickets())
    state.hooks.add(puts.PUT_RECEIVERS, multipart.Parts())
    state.on_serve.append(processing.sweep)
