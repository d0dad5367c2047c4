"""Starting the whole appliance in this process: the app, its background jobs and the HTTP
server, in the order that keeps a crash at any point harmless. Shared by `serve` and the
desktop shell."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from scorm_api.config import Settings
from scorm_api.server import AppServer, bind_socket

if TYPE_CHECKING:
    from flask import Flask


class PortUnavailable(OSError):
    pass


@dataclass
class Appliance:
    app: Flask
    server: AppServer
    settings: Settings  # with the real port when 0 was asked for

    @property
    def url(self) -> str:
        return self.server.url


@contextmanager
def _no_collection_while_building() -> Iterator[None]:
    """Building the app makes ~60,000 objects that live as long as the process (modules,
    classes, functions, the routes); the cycle collector, run ~140 times over them meanwhile,
    was an eighth of the start. It waits until they are made, then leaves them out of every
    later collection (gc.freeze: they are never garbage), so no collection after the start
    pays for them either."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def start(settings: Settings, blueprints=()) -> Appliance:
    """Bind, build the app, clean up what a crash left half-done (the domains' on_serve
    tasks), start the jobs. The caller runs `appliance.server.serve_forever()` (in this thread
    or another) and stops it with stop()."""
    with _no_collection_while_building():
        return _start(settings, blueprints)


def _start(settings: Settings, blueprints) -> Appliance:
    from scorm_api import state
    from scorm_api.factory import create_app
    from scorm_api.jobs import JobRunner

    try:
        sock = bind_socket(settings.host, settings.port)
    except OSError as e:
        raise PortUnavailable(f"cannot listen on {settings.host}:{settings.port}: {e.strerror}") from None
    settings = settings.replace(port=sock.getsockname()[1])
    app = create_app(settings)
    for bp in blueprints:  # before the first request: Flask refuses later registrations
        app.register_blueprint(bp)
    shared = state.of(app)
    runner = JobRunner(shared)
    server = AppServer(app, settings, on_shutdown=[runner.stop], sock=sock)
    shared.serve()
    runner.start()
    return Appliance(app, server, settings)
