"""The SCORM player: the page that hosts course content and its runtime API objects."""

from __future__ import annotations

from flask import Flask

from scorm_api.state import State


def init_app(app: Flask, state: State) -> None:
    from scorm_api.player import routes

    app.register_blueprint(routes.bp)
