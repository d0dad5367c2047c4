"""The operator's side of the appliance: the settings that change while it runs
(GET/PUT /api/v1/settings), scheduled backups into a folder (/api/v1/settings/backups) and the
server's log (GET /api/v1/logs)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # not at run time: `doctor` reads the stored settings without Flask
    from flask import Flask

    from scorm_api.state import State


def init_app(app: Flask, state: State) -> None:
    from scorm_api.admin import routes

    app.register_blueprint(routes.bp)
    wire(state)


def wire(state: State) -> None:
    from scorm_api.admin import backups, overrides

    state.on_open.append(overrides.apply)
    state.jobs.every("backup-schedule", backups.CHECK_SECONDS, backups.run_if_due)
