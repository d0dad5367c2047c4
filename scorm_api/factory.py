"""create_app(settings): wiring only. Feature logic lives in the feature folders."""
from __future__ import annotations

from flask import Flask, g

from scorm_api.config import Settings
from scorm_api.packages.processing import Context
from scorm_api.signing import Signer, load_or_create_secret
from scorm_api.xapi.alternate import AlternateRequestSyntax
from scorm_api.storage import Storage
from scorm_api.datadir import open_data_dir
from scorm_api.db import database
from scorm_api.errors import register_error_handlers
from scorm_api.ratelimit import RateLimiter, TenantLimits
from scorm_api.requestlog import configure_logging, init_request_log


def create_app(settings: Settings, *, rate_limiter: RateLimiter | None = None) -> Flask:
    configure_logging(settings)
    first_key = open_data_dir(settings)

    app = Flask(__name__, static_folder=None)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.json.sort_keys = False
    app.extensions["base_settings"] = settings  # defaults, environment, command line
    app.extensions["settings"] = settings  # with the operator's changes laid over (admin.routes.apply)
    app.extensions["rate_limits"] = TenantLimits(settings, rate_limiter)
    app.extensions["first_run_key"] = first_key
    app.extensions["packages"] = Context(settings, Storage(settings))
    app.extensions["signer"] = Signer(load_or_create_secret(settings.data_dir))

    register_error_handlers(app)
    init_request_log(app, settings)

    @app.before_request
    def _connect():
        # One connection per server thread, kept open: SQLite pragmas are applied once.
        database.connect(reuse_if_open=True)

    @app.after_request
    def _rate_headers(resp):
        decision = g.get("rate_decision")
        if decision is not None:
            for k, v in decision.headers().items():
                resp.headers[k] = v
        return resp

    from scorm_api import health, openapi
    from scorm_api.admin import routes as admin_routes
    from scorm_api.xapi import lrs
    from scorm_api.xapi import routes as xapi_routes
    from scorm_api.dashboard import routes as dashboard_routes
    from scorm_api.launches import routes as launches_routes
    from scorm_api.packages import content
    from scorm_api.packages import routes as packages_routes
    from scorm_api.sessions import routes as sessions_routes
    from scorm_api.sync import routes as sync_routes
    from scorm_api.tenants import routes as tenants_routes
    from scorm_api.player import routes as player_routes

    for bp in (health.bp, openapi.bp, tenants_routes.bp, packages_routes.bp,
               packages_routes.storage_bp, content.bp, sessions_routes.bp, player_routes.bp,
               dashboard_routes.bp, dashboard_routes.root_bp, admin_routes.bp,
               xapi_routes.bp, lrs.bp, launches_routes.bp, sync_routes.bp):
        app.register_blueprint(bp)
    admin_routes.apply(app)
    app.wsgi_app = AlternateRequestSyntax(app.wsgi_app)
    return app
