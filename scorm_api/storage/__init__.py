"""Object storage behind an interface (interface.Storage), with the local filesystem
implementation (local.LocalStorage), streaming responses of stored objects, and the
presigned PUT endpoint."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scorm_api.storage.interface import PutGrant, Storage, Stored, StoredObject
from scorm_api.storage.local import LocalStorage

if TYPE_CHECKING:
    from flask import Flask

    from scorm_api.state import State

__all__ = ["LocalStorage", "PutGrant", "Storage", "Stored", "StoredObject", "init_app"]


def init_app(app: Flask, state: State) -> None:
    from scorm_api.storage import routes

    app.register_blueprint(routes.bp)
