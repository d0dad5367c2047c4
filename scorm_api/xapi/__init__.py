"""xAPI: the statement store shared by the standard LRS at /xapi/ and the seed's
/api/v1/xapi endpoints, documents, LRS credentials and the analytics' running totals."""

from __future__ import annotations

from flask import Flask

from scorm_api.state import State


def init_app(app: Flask, state: State) -> None:
    from scorm_api.xapi import alternate, lrs, routes

    app.register_blueprint(routes.bp)
    app.register_blueprint(lrs.bp)
    app.wsgi_app = alternate.AlternateRequestSyntax(app.wsgi_app)  # type: ignore[method-assign]
    wire(state)


def wire(state: State) -> None:
    from scorm_api.xapi import analytics, own_urls, reindex, scorm_bridge

    state.jobs.every("xapi-analytics-fold", analytics.FOLD_SECONDS, analytics.fold_in_background)
    state.on_open.append(lambda _state: reindex.run_pending())
    scorm_bridge.connect()
    state.on_serve.append(own_urls.remember_serving)
