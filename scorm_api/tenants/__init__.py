"""Tenants and their API keys (the cloud's /api/v1/tenants and /api-keys), and the first run's
system tenant with its admin key."""

from __future__ import annotations

from flask import Flask

from scorm_api.state import State


def init_app(app: Flask, state: State) -> None:
    from scorm_api.tenants import routes

    app.register_blueprint(routes.bp)
    wire(state)


def wire(state: State) -> None:
    from scorm_api.principals import PRINCIPAL_SOURCES
    from scorm_api.tenants import apikeys

    state.hooks.add(PRINCIPAL_SOURCES, apikeys.key_principal)
    state.on_open.append(_bootstrap)


def _bootstrap(state: State) -> None:
    from scorm_api.tenants import services

    issued = services.bootstrap()
    if issued is not None:
        state.first_run_key = issued
