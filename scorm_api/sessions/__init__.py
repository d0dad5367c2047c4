"""Learner sessions (registrations): create or find, attempts, the seed's PUT, progress reset,
lists, CSV export and the runtime call log; CMI normalisation and rollup."""

from __future__ import annotations

from flask import Flask

from scorm_api.state import State


def init_app(app: Flask, state: State) -> None:
    from scorm_api.sessions import routes

    app.register_blueprint(routes.bp)
