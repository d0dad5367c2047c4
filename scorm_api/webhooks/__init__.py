"""Webhooks: the cloud's events, signed as the cloud signs them, written to an outbox in the
transaction of the change and delivered by a periodic task, at least once and in order per
object."""

from __future__ import annotations

from flask import Flask

from scorm_api.state import State


def init_app(app: Flask, state: State) -> None:
    from scorm_api.webhooks import routes

    app.register_blueprint(routes.bp)
    wire(state)


def wire(state: State) -> None:
    from scorm_api.webhooks import delivery, events, sources

    state.jobs.worker(events.DELIVER_TASK, delivery.POLL_SECONDS, delivery.deliver_due)
    sources.connect(state)
