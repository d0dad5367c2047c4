"""The dashboard's previews: a trainer trying a course, not a learner taking it.

The dashboard's Preview button starts a fresh attempt of one reserved learner (PREVIEW_USER_ID)
each time. Those sessions are marked `preview` in the API, listed only when asked for
(`previews=true`), never counted in the analytics, and never synced; everything that leaves
them out asks this module.
"""

from __future__ import annotations

import peewee

from scorm_api.sessions.models import Session

PREVIEW_USER_ID = "dashboard-preview"


def is_preview(session: Session) -> bool:
    return session.user_id == PREVIEW_USER_ID


def not_preview():
    """A condition on Session rows: not a preview."""
    return Session.user_id != PREVIEW_USER_ID


def session_ids(tenant_id: str | peewee.Node) -> peewee.SelectQuery:
    """The ids of the tenant's preview sessions (a subquery: statements name their session as
    their registration)."""
    mine = (Session.tenant == tenant_id) & (Session.user_id == PREVIEW_USER_ID)
    return Session.select(Session.id).where(mine)


def among(session_ids: set[str]) -> set[str]:
    """Which of these session ids are previews (a read per 500, within SQLite's limits)."""
    ids, found = sorted(session_ids), set[str]()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = Session.select(Session.id).where(Session.id.in_(chunk) & (Session.user_id == PREVIEW_USER_ID))
        found.update(r.id for r in rows)
    return found
