"""Sync to cloud: copy packages, sessions and statements to a cloud instance through its
public API, resumable and safe to repeat; saved targets, schedules and conflicts."""

from __future__ import annotations

from flask import Flask

from scorm_api.state import State


def init_app(app: Flask, state: State) -> None:
    from scorm_api.sync import routes, runner

    app.register_blueprint(routes.bp)
    state.jobs.every("sync-schedule", runner.SCHEDULE_SECONDS, runner.run_scheduled)
