"""Starting the whole appliance in this process: the app, its background jobs and the HTTP
server, in the order that keeps a crash at any point harmless. Shared by `serve` and the
desktop shell."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask

from scorm_api.config import Settings
from scorm_api.server import AppServer, bind_socket


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


def start(settings: Settings, blueprints=()) -> Appliance:
    """Bind, build the app, clean up what a crash left half-done (the domains' on_serve
    tasks), start the jobs. The caller runs `appliance.server.serve_forever()` (in this thread
    or another) and stops it with stop()."""
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
