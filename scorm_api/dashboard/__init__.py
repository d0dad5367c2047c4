"""The dashboard: sign-in, the page shells and their scripts, which call the same REST API as
any client (as the system tenant's operator, through the sign-in cookie)."""

from __future__ import annotations

from flask import Flask

from scorm_api.state import State


def init_app(app: Flask, state: State) -> None:
    from scorm_api.dashboard import routes

    app.register_blueprint(routes.bp)
    app.register_blueprint(routes.root_bp)
    wire(state)


def wire(state: State) -> None:
    from scorm_api.dashboard import guard
    from scorm_api.principals import PRINCIPAL_SOURCES

    # After the API keys': a request with a key is the key's, whatever cookie it carries.
    state.hooks.add(PRINCIPAL_SOURCES, guard.cookie_principal)
