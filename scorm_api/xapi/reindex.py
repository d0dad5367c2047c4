"""Derived statement rows (StatementRef targets, related Activities and Agents, merged Activity
definitions, the analytics' running totals) for statements stored before the schema kept them.

A migration that adds such rows leaves the `xapi_reindex_after` setting behind; this pass runs
at start-up, a batch per write transaction, and moves that cursor with each batch, so a crash
mid-way resumes where it stopped. A pass from the beginning first forgets the running totals
(the other rows are idempotent), so running it again counts nothing twice.
"""

from __future__ import annotations

from scorm_api.admin.models import AdminSetting, read_setting
from scorm_api.db import utcnow_iso, write_transaction
from scorm_api.xapi import activities, analytics, store
from scorm_api.xapi.models import Statement

CURSOR = "xapi_reindex_after"
BATCH = 500


def run_pending() -> int:
    """Reindex what is pending; return how many statements were processed."""
    after = read_setting(CURSOR)
    done = 0
    while after is not None:
        with write_transaction():
            if after == "":
                analytics.clear()
            rows = list(
                Statement.select(
                    Statement.pk, Statement.tenant, Statement.body, Statement.voided, Statement.package_id
                )
                .where(Statement.pk > after)
                .order_by(Statement.pk)
                .limit(BATCH)
            )
            for row in rows:
                ref = store.object_ref(row.body)
                if ref:
                    Statement.update(object_ref=ref).where(Statement.pk == row.pk).execute()
                store.save_links(store.related_rows(row.tenant_id, row.pk, row.body))
                activities.record(row.tenant_id, [row.body], row.body["stored"])
                if not row.voided:
                    analytics.record(row.tenant_id, [(row.body, row.package_id, 1)])
            if rows:
                after = rows[-1].pk
                AdminSetting.update(value=after, updated_at=utcnow_iso()).where(
                    AdminSetting.name == CURSOR
                ).execute()
            else:
                AdminSetting.delete().where(AdminSetting.name == CURSOR).execute()
                after = None
        done += len(rows)
    return done
