"""create_app(settings): wiring only. Each domain wires itself in its `init_app(app, state)`:
its blueprints, then `wire(state)`, the half that needs no web app (job handlers, periodic
tasks, hooks, open and serve tasks). This file builds the shared State and the cross-cutting
request hooks, and calls the domains in layer order (docs/architecture.md). A CLI command
opens the data dir with the `wire` halves alone (open_state), which spares it building the app."""

from __future__ import annotations

from importlib import import_module

from flask import Flask, g

from scorm_api import contract, cors
from scorm_api import state as app_state
from scorm_api.config import Settings
from scorm_api.datadir import prepare
from scorm_api.db import database
from scorm_api.errors import register_error_handlers
from scorm_api.ratelimit import RateLimiter
from scorm_api.requestlog import configure_logging, init_request_log
from scorm_api.routing import LazyBuilderRule
from scorm_api.state import IssuedSecret, State

# The core's own routes: health, the API docs, the presigned PUT target.
CORE_ROUTES = ("scorm_api.health", "scorm_api.openapi", "scorm_api.storage")
# The feature domains, lowest layer first: a domain may import those before it, never those
# after it (tests/test_layers.py walks the imports). Hooks run in this order too.
DOMAINS = (
    "scorm_api.tenants",
    "scorm_api.admin",
    "scorm_api.packages",
    "scorm_api.sessions",
    "scorm_api.xapi",
    "scorm_api.launches",
    "scorm_api.player",
    "scorm_api.dispatches",
    "scorm_api.learners",
    "scorm_api.webhooks",
    "scorm_api.sync",
    "scorm_api.records",
    "scorm_api.dashboard",
)


def create_app(settings: Settings, *, rate_limiter: RateLimiter | None = None) -> Flask:
    configure_logging(settings)
    prepare(settings)
    state = State.create(settings, rate_limiter)

    app = Flask(__name__, static_folder=None)
    app.url_rule_class = LazyBuilderRule  # before the first rule is added
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions[app_state.EXTENSION] = state

    register_error_handlers(app)
    init_request_log(app, settings)
    if settings.contract == "cloud":
        contract.install(app)
    cors.install(app, settings)

    @app.before_request
    def _connect() -> None:
        # One connection per server thread, kept open: SQLite pragmas are applied once.
        database.connect(reuse_if_open=True)

    @app.after_request
    def _rate_headers(resp):
        decision = g.get("rate_decision")
        if decision is not None:
            for k, v in decision.headers().items():
                resp.headers[k] = v
        return resp

    for name in (*CORE_ROUTES, *DOMAINS):
        import_module(name).init_app(app, state)
    state.open()
    return app


def open_state(settings: Settings) -> State:
    """Open (and on first use create) the data dir as the server does, without the web app:
    for a command that works on it."""
    prepare(settings)
    state = State.create(settings)
    for name in DOMAINS:
        wire = getattr(import_module(name), "wire", None)
        if wire is not None:
            wire(state)
    state.open()
    return state


def open_data_dir(settings: Settings) -> IssuedSecret | None:
    """open_state's first-run admin key, when this call created it (print it once)."""
    return open_state(settings).first_run_key
