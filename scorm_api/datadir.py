"""Opening a data dir: its folders, the database connection and the schema migrations. What the
domains do on top (the first-run key, pending reindexes) are their `state.on_open` tasks."""

from __future__ import annotations

from scorm_api.config import Settings
from scorm_api.db import database, open_database
from scorm_api.migrations import migrate

_opened_url: str | None = None


def prepare(settings: Settings) -> None:
    """Idempotent. One process serves one database: the model proxy is bound to the URL
    opened last."""
    global _opened_url
    settings.ensure_dirs()
    url = settings.effective_database_url
    if database.obj is None or _opened_url != url:
        if database.obj is not None:
            database.close()
        database.initialize(open_database(url))
        _opened_url = url
    database.connect(reuse_if_open=True)
    migrate(database.obj)
