"""Sync to cloud: copy packages, sessions and statements to a cloud instance through its
public API, resumable and safe to repeat; saved targets, schedules and conflicts."""

from __future__ import annotations

from flask import Flask

from scorm_api.state import State


def init_app(app: Flask, state: State) -> None:
    from scorm_api.sync import file_routes, routes

    app.register_blueprint(routes.bp)
    app.register_blueprint(file_routes.bp)
    wire(state)


SCHEDULE_SECONDS = 60.0  # how often the saved targets' schedules are looked at


def wire(state: State) -> None:
    state.jobs.every("sync-schedule", SCHEDULE_SECONDS, _run_scheduled)


def _run_scheduled(state: State) -> int:
    # Imported here: the HTTP client loads when a schedule runs, not with every CLI command.
    from scorm_api.sync import runner

    return runner.run_scheduled(state)
