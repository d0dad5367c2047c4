"""Opening a data dir: folders, database connection, migrations, first-run bootstrap."""
from __future__ import annotations

from scorm_api.config import Settings
from scorm_api.db import database, open_database
from scorm_api.migrations import migrate
from scorm_api.tenants.services import IssuedKey, bootstrap
from scorm_api.xapi import reindex


_opened_url: str | None = None


def open_data_dir(settings: Settings) -> IssuedKey | None:
    """Idempotent. Returns the initial admin key when this call created it (print it once).

    One process serves one database: the model proxy is bound to the URL opened last.
    """
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
    reindex.run_pending()
    return bootstrap()
