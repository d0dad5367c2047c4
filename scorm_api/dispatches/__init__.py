"""Dispatches: a course shared with another LMS as a small shell package; this appliance keeps
control of it (every launch checks the record) and the full record of each learner, and the
player bridges the results back into the host LMS."""

from __future__ import annotations

from flask import Flask

from scorm_api.state import State


def init_app(app: Flask, state: State) -> None:
    from scorm_api.dispatches import pages, routes

    app.register_blueprint(routes.bp)
    app.register_blueprint(pages.bp)
    wire(state)


def wire(state: State) -> None:
    from scorm_api.dispatches import shell

    state.jobs.handler(shell.GENERATE_JOB, shell.run_generate_job)
