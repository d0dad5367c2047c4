"""The URLs this appliance has named its learners and courses under in xAPI statements.

What the appliance writes about (xapi/scorm_bridge, the cmi5 and Tin Can launches) lives under
its base URL, which is whatever address it served at the time: a port chosen at start, a
laptop's address on tonight's network. Each start remembers the URLs it serves under, so a
later reader (the sync, renaming these identities as a target names them) knows every one of
them, not only today's."""

from __future__ import annotations

import peewee

from scorm_api.db import BaseModel, utcnow_iso, write_transaction


class OwnUrl(BaseModel):
    url = peewee.CharField(primary_key=True, max_length=2048)
    first_seen = peewee.CharField(max_length=32)
    last_seen = peewee.CharField(max_length=32)

    class Meta:
        table_name = "own_url"


def remember(*urls: str) -> None:
    now = utcnow_iso()
    with write_transaction():
        for url in {u.rstrip("/") for u in urls if u}:
            if not OwnUrl.update(last_seen=now).where(OwnUrl.url == url).execute():
                OwnUrl.create(url=url, first_seen=now, last_seen=now)


def remember_serving(state) -> None:
    """The serving start's task: the addresses statements are written under from now on."""
    remember(state.settings.base_url, state.settings.content_base_url)


def every() -> tuple[str, ...]:
    return tuple(r.url for r in OwnUrl.select(OwnUrl.url))
