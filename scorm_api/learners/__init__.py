"""Learners: the tenant's learners (listed, searched, made, renamed, merged), lasting launch
links a trainer prints for a class, and deletion: a session with its data, a learner with
everything recorded of them (GDPR). Above the player (its links open the player page) and the
dispatches (an erasure takes the learner's dispatch registrations)."""

from __future__ import annotations

from flask import Flask

from scorm_api.state import State


def init_app(app: Flask, state: State) -> None:
    from scorm_api.learners import routes

    app.register_blueprint(routes.bp)
    app.register_blueprint(routes.pages_bp)
    wire(state)


def wire(state: State) -> None:
    from scorm_api.learners import directory
    from scorm_api.sessions import signals

    # weak=False: a module function connected again is not a second receiver
    signals.session_created.connect(directory.note_session, weak=False)
