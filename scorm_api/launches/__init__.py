"""Launching xAPI (tincan.xml) and cmi5 packages: per-launch LRS credentials, the cmi5 launch
protocol (launch URL, fetch URL, LMS.LaunchData, LMS-written statements), the cmi5 rules the LRS
applies to an AU's statements, and how those statements move the learner's session on."""

from __future__ import annotations

from flask import Flask

from scorm_api.state import State


def init_app(app: Flask, state: State) -> None:
    from scorm_api.launches import routes

    app.register_blueprint(routes.bp)
    wire(state)


def wire(state: State) -> None:
    from scorm_api.launches import lrs_guard, progress, service
    from scorm_api.sessions import signals
    from scorm_api.xapi.credentials import LRS_CREDENTIALS

    state.hooks.add(LRS_CREDENTIALS, lrs_guard.credential_source)
    signals.session_created.connect(progress.on_session_created, weak=False)
    signals.launches_ended.connect(service.end_open_launches, weak=False)
