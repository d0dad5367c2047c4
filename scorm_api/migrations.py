"""Versioned schema migrations, run on every start; an old data dir upgrades in place.

Each migration is plain, portable SQL (SQLite and PostgreSQL), frozen once released: models
evolve, migrations never do. A migration and the row recording it commit together.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import peewee

from scorm_api.db import is_sqlite, utcnow_iso


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    statements: Sequence[str] = ()
    run: Callable[[peewee.Database], None] | None = None


# The analytics figures pages are sorted by (migrations 12 and 14).
_SORTED = (
    "total_statements",
    "completed_count",
    "passed_count",
    "failed_count",
    "avg_score_scaled",
    "first_activity",
    "last_activity",
)

MIGRATIONS: list[Migration] = [
    Migration(
        1,
        "tenants and api keys",
        (
            """CREATE TABLE tenant (
            id VARCHAR(36) PRIMARY KEY,
            name VARCHAR(200) NOT NULL,
            is_system BOOLEAN NOT NULL DEFAULT FALSE,
            created_at VARCHAR(32) NOT NULL,
            updated_at VARCHAR(32) NOT NULL
        )""",
            """CREATE TABLE api_key (
            id VARCHAR(36) PRIMARY KEY,
            tenant_id VARCHAR(36) NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
            name VARCHAR(200) NOT NULL,
            key_hash VARCHAR(64) NOT NULL UNIQUE,
            prefix VARCHAR(32) NOT NULL,
            scopes VARCHAR(64) NOT NULL,
            created_at VARCHAR(32) NOT NULL,
            last_used_at VARCHAR(32),
            revoked_at VARCHAR(32)
        )""",
            "CREATE INDEX api_key_tenant_id ON api_key (tenant_id, created_at)",
        ),
    ),
    Migration(
        2,
        "packages and tenant quotas",
        (
            "ALTER TABLE tenant ADD COLUMN max_packages INTEGER",
            """CREATE TABLE package (
            id VARCHAR(36) PRIMARY KEY,
            tenant_id VARCHAR(36) NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
            title VARCHAR(500) NOT NULL,
            version VARCHAR(32) NOT NULL,
            status VARCHAR(16) NOT NULL,
            file_size_bytes BIGINT NOT NULL DEFAULT 0,
            metadata TEXT,
            uploaded_by VARCHAR(200),
            created_at VARCHAR(32) NOT NULL,
            updated_at VARCHAR(32) NOT NULL
        )""",
            "CREATE INDEX package_tenant_created ON package (tenant_id, created_at)",
        ),
    ),
    Migration(
        3,
        "package processing, uploads and jobs",
        (
            "ALTER TABLE package ADD COLUMN standard VARCHAR(32)",
            "ALTER TABLE package ADD COLUMN original_filename VARCHAR(500)",
            "ALTER TABLE package ADD COLUMN launch_path VARCHAR(2000)",
            "ALTER TABLE package ADD COLUMN warnings TEXT",
            "ALTER TABLE package ADD COLUMN failure TEXT",
            "ALTER TABLE package ADD COLUMN sha256 VARCHAR(64)",
            "ALTER TABLE package ADD COLUMN content_bytes BIGINT",
            "ALTER TABLE package ADD COLUMN file_count INTEGER",
            """CREATE TABLE upload (
            id VARCHAR(36) PRIMARY KEY,
            tenant_id VARCHAR(36) NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
            storage_path VARCHAR(1000) NOT NULL UNIQUE,
            filename VARCHAR(500) NOT NULL,
            file_size BIGINT NOT NULL,
            content_type VARCHAR(100) NOT NULL,
            uploaded_by VARCHAR(200),
            status VARCHAR(16) NOT NULL,
            package_id VARCHAR(36),
            sha256 VARCHAR(64),
            expires_at VARCHAR(32) NOT NULL,
            created_at VARCHAR(32) NOT NULL,
            completed_at VARCHAR(32)
        )""",
            "CREATE INDEX upload_tenant ON upload (tenant_id, created_at)",
            """CREATE TABLE job (
            id VARCHAR(36) PRIMARY KEY,
            kind VARCHAR(64) NOT NULL,
            payload TEXT NOT NULL,
            status VARCHAR(16) NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            run_after VARCHAR(32) NOT NULL,
            created_at VARCHAR(32) NOT NULL,
            updated_at VARCHAR(32) NOT NULL
        )""",
            "CREATE INDEX job_pending ON job (status, run_after)",
        ),
    ),
    Migration(
        4,
        "learner sessions and runtime state",
        (
            """CREATE TABLE learner_session (
            id VARCHAR(36) PRIMARY KEY,
            tenant_id VARCHAR(36) NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
            package_id VARCHAR(36) NOT NULL REFERENCES package (id) ON DELETE CASCADE,
            user_id VARCHAR(255) NOT NULL,
            user_name VARCHAR(255),
            attempt INTEGER NOT NULL,
            is_current BOOLEAN NOT NULL,
            completion_status VARCHAR(16) NOT NULL,
            success_status VARCHAR(16) NOT NULL,
            score_scaled DOUBLE PRECISION,
            score_raw DOUBLE PRECISION,
            score_min DOUBLE PRECISION,
            score_max DOUBLE PRECISION,
            time_spent_seconds DOUBLE PRECISION NOT NULL DEFAULT 0,
            session_time VARCHAR(64),
            version INTEGER NOT NULL,
            launch_count INTEGER NOT NULL DEFAULT 0,
            first_launched_at VARCHAR(32),
            last_launched_at VARCHAR(32),
            completed_at VARCHAR(32),
            created_at VARCHAR(32) NOT NULL,
            updated_at VARCHAR(32) NOT NULL
        )""",
            "CREATE UNIQUE INDEX learner_session_attempt ON learner_session (package_id, user_id, attempt)",
            "CREATE INDEX learner_session_tenant ON learner_session (tenant_id, updated_at)",
            "CREATE INDEX learner_session_user ON learner_session (tenant_id, user_id)",
            """CREATE TABLE sco_state (
            id VARCHAR(36) PRIMARY KEY,
            session_id VARCHAR(36) NOT NULL REFERENCES learner_session (id) ON DELETE CASCADE,
            item_id VARCHAR(255) NOT NULL,
            cmi TEXT NOT NULL,
            completion_status VARCHAR(16) NOT NULL,
            success_status VARCHAR(16) NOT NULL,
            score_scaled DOUBLE PRECISION,
            score_raw DOUBLE PRECISION,
            score_min DOUBLE PRECISION,
            score_max DOUBLE PRECISION,
            launch_times TEXT NOT NULL,
            last_commit_launch VARCHAR(36),
            last_commit_seq INTEGER,
            updated_at VARCHAR(32) NOT NULL
        )""",
            "CREATE UNIQUE INDEX sco_state_item ON sco_state (session_id, item_id)",
            """CREATE TABLE runtime_log (
            id VARCHAR(36) PRIMARY KEY,
            session_id VARCHAR(36) NOT NULL REFERENCES learner_session (id) ON DELETE CASCADE,
            launch_id VARCHAR(36) NOT NULL,
            item_id VARCHAR(255),
            entries TEXT NOT NULL,
            created_at VARCHAR(32) NOT NULL
        )""",
            "CREATE INDEX runtime_log_session ON runtime_log (session_id, created_at)",
        ),
    ),
    Migration(
        5,
        "sequencing state, longer launch keys",
        (
            """CREATE TABLE sequencing_state (
            session_id VARCHAR(36) PRIMARY KEY REFERENCES learner_session (id) ON DELETE CASCADE,
            state TEXT NOT NULL,
            launch_key VARCHAR(64) NOT NULL,
            seq INTEGER,
            completion_status VARCHAR(16),
            success_status VARCHAR(16),
            score_scaled DOUBLE PRECISION,
            updated_at VARCHAR(32) NOT NULL
        )""",
        ),
        run=lambda db: _widen_launch_key(db),
    ),
    Migration(
        6,
        "dashboard sign-in",
        (
            """CREATE TABLE admin_setting (
            name VARCHAR(64) PRIMARY KEY,
            value TEXT NOT NULL,
            updated_at VARCHAR(32) NOT NULL
        )""",
            """CREATE TABLE dashboard_login (
            id VARCHAR(36) PRIMARY KEY,
            token_hash VARCHAR(64) NOT NULL UNIQUE,
            csrf_token VARCHAR(64) NOT NULL,
            created_at VARCHAR(32) NOT NULL,
            expires_at VARCHAR(32) NOT NULL
        )""",
        ),
    ),
    # The dashboard's session list: one covering index per column it sorts by, so a page (even
    # the last of 100,000 sessions) is an index walk rather than a sort of every row.
    Migration(
        7,
        "session list indexes",
        tuple(
            f"CREATE INDEX learner_session_by_{column} ON learner_session "
            f"(tenant_id, is_current, {column}, id)"
            for column in (
                "updated_at",
                "created_at",
                "last_launched_at",
                "user_id",
                "user_name",
                "completion_status",
                "success_status",
                "score_scaled",
                "time_spent_seconds",
            )
        ),
    ),
    Migration(
        8,
        "xapi statements",
        (
            """CREATE TABLE xapi_statement (
            pk VARCHAR(36) PRIMARY KEY,
            tenant_id VARCHAR(36) NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
            statement_id VARCHAR(36) NOT NULL,
            stored VARCHAR(32) NOT NULL,
            timestamp VARCHAR(40) NOT NULL,
            verb_id VARCHAR(2048) NOT NULL,
            activity_id VARCHAR(2048),
            actor_key VARCHAR(2048),
            registration VARCHAR(36),
            package_id VARCHAR(36),
            voided BOOLEAN NOT NULL DEFAULT FALSE,
            voids VARCHAR(36),
            body TEXT NOT NULL,
            body_hash VARCHAR(64) NOT NULL
        )""",
            "CREATE UNIQUE INDEX xapi_statement_id ON xapi_statement (tenant_id, statement_id)",
            "CREATE INDEX xapi_statement_stored ON xapi_statement (tenant_id, stored, pk)",
            "CREATE INDEX xapi_statement_verb ON xapi_statement (tenant_id, verb_id, stored)",
            "CREATE INDEX xapi_statement_activity ON xapi_statement (tenant_id, activity_id, stored)",
            "CREATE INDEX xapi_statement_actor ON xapi_statement (tenant_id, actor_key, stored)",
            "CREATE INDEX xapi_statement_registration ON xapi_statement (tenant_id, registration, stored)",
        ),
    ),
    Migration(
        9,
        "xapi credentials",
        (
            """CREATE TABLE xapi_credential (
            id VARCHAR(36) PRIMARY KEY,
            tenant_id VARCHAR(36) NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
            name VARCHAR(200) NOT NULL,
            username VARCHAR(64) NOT NULL UNIQUE,
            secret_hash VARCHAR(64) NOT NULL,
            scopes VARCHAR(64) NOT NULL,
            created_at VARCHAR(32) NOT NULL,
            revoked_at VARCHAR(32)
        )""",
            "CREATE INDEX xapi_credential_tenant ON xapi_credential (tenant_id, created_at)",
            # The `agent` filter matches the actor or an Agent/Group object.
            "ALTER TABLE xapi_statement ADD COLUMN object_agent_key VARCHAR(2048)",
            "CREATE INDEX xapi_statement_object_agent ON xapi_statement (tenant_id, object_agent_key, stored)",  # noqa: E501
        ),
    ),
    Migration(10, "xapi documents", run=lambda db: _create_documents(db)),
    Migration(
        11,
        "xapi attachments, statement references, related objects, activity definitions",
        run=lambda db: _statement_links(db),
    ),
    Migration(12, "xapi analytics", run=lambda db: _analytics(db)),
    Migration(13, "xapi query indexes ordered to the row", run=lambda db: _ordered_statement_indexes(db)),
    # Analytics pages sort by a figure then by the row's key: with the key in each index, ties
    # (many learners active the same day) need no sort either.
    Migration(
        14,
        "xapi analytics indexes ordered to the row",
        tuple(
            sql
            for table, key, extra in (
                ("xapi_actor_stats", "actor_key", ("unique_activities", "actor_mbox", "actor_name")),
                ("xapi_activity_stats", "activity_id", ("unique_learners", "activity_type", "package_id")),
            )
            for column in _SORTED + extra
            for sql in (
                f"DROP INDEX {table}_{column}",
                f"CREATE INDEX {table}_{column} ON {table} (tenant_id, {column}, {key})",
            )
        ),
    ),
    Migration(
        15,
        "xapi and cmi5 launches",
        (
            """CREATE TABLE au_launch (
            id VARCHAR(36) PRIMARY KEY,
            tenant_id VARCHAR(36) NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
            session_id VARCHAR(36) NOT NULL REFERENCES learner_session (id) ON DELETE CASCADE,
            item_id VARCHAR(255) NOT NULL,
            kind VARCHAR(8) NOT NULL,
            activity_id VARCHAR(2048) NOT NULL,
            launch_mode VARCHAR(16) NOT NULL,
            secret_hash VARCHAR(64),
            verbs VARCHAR(255) NOT NULL DEFAULT '',
            prefs_read BOOLEAN NOT NULL DEFAULT FALSE,
            created_at VARCHAR(32) NOT NULL,
            expires_at VARCHAR(32) NOT NULL,
            initialized_at VARCHAR(32),
            last_statement_at VARCHAR(32),
            terminated_at VARCHAR(32),
            abandoned_at VARCHAR(32)
        )""",
            "CREATE INDEX au_launch_session ON au_launch (session_id, created_at)",
            "CREATE INDEX au_launch_tenant ON au_launch (tenant_id, created_at)",
            """CREATE TABLE cmi5_satisfied (
            session_id VARCHAR(36) NOT NULL REFERENCES learner_session (id) ON DELETE CASCADE,
            node_id VARCHAR(2048) NOT NULL,
            created_at VARCHAR(32) NOT NULL,
            PRIMARY KEY (session_id, node_id)
        )""",
        ),
    ),
    Migration(16, "xapi analytics folded in batches", run=lambda db: _analytics_pending(db)),
    Migration(
        17,
        "sync to cloud",
        (
            """CREATE TABLE sync_target (
            tenant_id VARCHAR(36) PRIMARY KEY REFERENCES tenant (id) ON DELETE CASCADE,
            url VARCHAR(2048) NOT NULL,
            remote_tenant_id VARCHAR(255) NOT NULL,
            api_key_encrypted TEXT NOT NULL,
            api_key_hint VARCHAR(16) NOT NULL,
            schedule_minutes INTEGER,
            updated_at VARCHAR(32) NOT NULL
        )""",
            """CREATE TABLE sync_run (
            id VARCHAR(36) PRIMARY KEY,
            tenant_id VARCHAR(36) NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
            url VARCHAR(2048) NOT NULL,
            remote_tenant_id VARCHAR(255) NOT NULL,
            dry_run BOOLEAN NOT NULL DEFAULT FALSE,
            trigger VARCHAR(16) NOT NULL,
            status VARCHAR(16) NOT NULL,
            phase VARCHAR(32),
            items_done INTEGER NOT NULL DEFAULT 0,
            items_total INTEGER NOT NULL DEFAULT 0,
            bytes_done BIGINT NOT NULL DEFAULT 0,
            bytes_total BIGINT NOT NULL DEFAULT 0,
            report TEXT NOT NULL,
            error TEXT,
            started_at VARCHAR(32) NOT NULL,
            finished_at VARCHAR(32),
            heartbeat_at VARCHAR(32) NOT NULL
        )""",
            "CREATE INDEX sync_run_tenant ON sync_run (tenant_id, started_at)",
            """CREATE TABLE sync_link (
            tenant_id VARCHAR(36) NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
            target_key VARCHAR(64) NOT NULL,
            kind VARCHAR(16) NOT NULL,
            local_id VARCHAR(255) NOT NULL,
            remote_id VARCHAR(255),
            state VARCHAR(16) NOT NULL,
            local_version VARCHAR(64),
            remote_version INTEGER,
            detail TEXT,
            updated_at VARCHAR(32) NOT NULL,
            PRIMARY KEY (tenant_id, target_key, kind, local_id)
        )""",
            "CREATE INDEX sync_link_remote ON sync_link (tenant_id, target_key, kind, remote_id)",
            """CREATE TABLE sync_conflict (
            id VARCHAR(36) PRIMARY KEY,
            tenant_id VARCHAR(36) NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
            target_key VARCHAR(64) NOT NULL,
            run_id VARCHAR(36) NOT NULL,
            kind VARCHAR(16) NOT NULL,
            local_id VARCHAR(255) NOT NULL,
            remote_id VARCHAR(255),
            local TEXT NOT NULL,
            remote TEXT,
            status VARCHAR(16) NOT NULL DEFAULT 'open',
            created_at VARCHAR(32) NOT NULL,
            resolved_at VARCHAR(32)
        )""",
            "CREATE INDEX sync_conflict_tenant ON sync_conflict (tenant_id, status, created_at)",
        ),
    ),
    Migration(
        18,
        "learner data sizes, the launch epoch, one-time sign-in tokens",
        (
            # The caps on what a session accumulates read these instead of every item's CMI.
            "ALTER TABLE sco_state ADD COLUMN cmi_chars INTEGER NOT NULL DEFAULT 0",
            "ALTER TABLE runtime_log ADD COLUMN size_bytes INTEGER NOT NULL DEFAULT 0",
            "UPDATE runtime_log SET size_bytes = LENGTH(entries)",
            # Launches started before this moment (ms) were ended by a reset or a new attempt.
            "ALTER TABLE learner_session ADD COLUMN launch_epoch_ms BIGINT NOT NULL DEFAULT 0",
            # A one-time sign-in token is only ever exchanged for a sign-in, never a cookie.
            "ALTER TABLE dashboard_login ADD COLUMN one_time BOOLEAN NOT NULL DEFAULT FALSE",
        ),
        run=lambda db: _count_cmi_chars(db),
    ),
    # The cloud's keys may expire (expires_in_days, api-key-security page).
    Migration(19, "api key expiry", ("ALTER TABLE api_key ADD COLUMN expires_at VARCHAR(32)",)),
    # A session id the caller chose (the cloud's POST /packages/{id}/launch), per tenant: the
    # row's own id stays a UUID (an xAPI registration) that no other tenant's choice can take.
    Migration(
        20,
        "caller-chosen session ids",
        (
            "ALTER TABLE learner_session ADD COLUMN external_id VARCHAR(255)",
            "CREATE UNIQUE INDEX learner_session_external ON learner_session (tenant_id, external_id)",
        ),
    ),
    Migration(
        21,
        "multipart uploads",
        (
            """CREATE TABLE multipart_upload (
            upload_id VARCHAR(36) PRIMARY KEY REFERENCES upload (id) ON DELETE CASCADE,
            part_size BIGINT NOT NULL,
            part_count INTEGER NOT NULL,
            received TEXT NOT NULL,
            status VARCHAR(16) NOT NULL,
            created_at VARCHAR(32) NOT NULL
        )""",
        ),
    ),
    Migration(
        22,
        "statements in commit order",
        (
            # A statement's place in the order its transaction committed (sync's cursor; see
            # xapi/sequence.py); counters hands the numbers out under a row lock.
            "ALTER TABLE xapi_statement ADD COLUMN seq BIGINT",
            """CREATE TABLE counter (
            name VARCHAR(64) PRIMARY KEY,
            value BIGINT NOT NULL
        )""",
        ),
        run=lambda db: _number_statements(db),
    ),
    Migration(
        23,
        "sync target LRS credentials",
        (
            # The target's LRS key and secret (xAPI documents, attachments), sealed like its
            # API key (sync/keys.py).
            "ALTER TABLE sync_target ADD COLUMN lrs_credentials_encrypted TEXT",
            "ALTER TABLE sync_target ADD COLUMN lrs_key_hint VARCHAR(16)",
        ),
    ),
    Migration(
        24,
        "the URLs statements were written under",
        (
            """CREATE TABLE own_url (
            url VARCHAR(2048) PRIMARY KEY,
            first_seen VARCHAR(32) NOT NULL,
            last_seen VARCHAR(32) NOT NULL
        )""",
        ),
    ),
    # Package versions (packages/versions.py): each version is a package row of its family,
    # whose id is the first version's; a session keeps the version it was created on.
    Migration(
        25,
        "package versions",
        (
            "ALTER TABLE package ADD COLUMN family_id VARCHAR(36) NOT NULL DEFAULT ''",
            "UPDATE package SET family_id = id",
            "ALTER TABLE package ADD COLUMN version_number INTEGER NOT NULL DEFAULT 1",
            "ALTER TABLE package ADD COLUMN is_latest BOOLEAN NOT NULL DEFAULT TRUE",
            "CREATE UNIQUE INDEX package_family_version ON package (family_id, version_number)",
            "CREATE INDEX package_tenant_latest ON package (tenant_id, is_latest, created_at)",
            # No REFERENCES: SQLite adds a NOT NULL column only without one. Versions are only
            # ever deleted with their whole package, and package_id's foreign key takes the
            # sessions with it.
            "ALTER TABLE learner_session ADD COLUMN package_version_id VARCHAR(36) NOT NULL DEFAULT ''",
            "UPDATE learner_session SET package_version_id = package_id",
            "CREATE INDEX learner_session_package_version ON learner_session (package_version_id)",
        ),
    ),
    # Webhooks (webhooks/): the events are an outbox written with the change that causes them.
    Migration(
        26,
        "webhooks",
        (
            """CREATE TABLE webhook (
            id VARCHAR(40) PRIMARY KEY,
            tenant_id VARCHAR(36) NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
            url VARCHAR(2048) NOT NULL,
            events TEXT NOT NULL,
            secret_sealed TEXT NOT NULL,
            previous_secret_sealed TEXT,
            previous_until VARCHAR(32),
            enabled BOOLEAN NOT NULL,
            disabled_reason VARCHAR(500),
            failing_since VARCHAR(32),
            created_at VARCHAR(32) NOT NULL,
            updated_at VARCHAR(32) NOT NULL
        )""",
            "CREATE INDEX webhook_tenant ON webhook (tenant_id, created_at)",
            """CREATE TABLE webhook_event (
            id VARCHAR(40) PRIMARY KEY,
            tenant_id VARCHAR(36) NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
            type VARCHAR(64) NOT NULL,
            object_id VARCHAR(255) NOT NULL,
            occurred_at VARCHAR(32) NOT NULL,
            data TEXT NOT NULL,
            seq BIGINT NOT NULL
        )""",
            "CREATE INDEX webhook_event_object ON webhook_event (tenant_id, object_id, seq)",
            """CREATE TABLE webhook_delivery (
            id VARCHAR(36) PRIMARY KEY,
            webhook_id VARCHAR(40) NOT NULL REFERENCES webhook (id) ON DELETE CASCADE,
            event_id VARCHAR(40) NOT NULL REFERENCES webhook_event (id) ON DELETE CASCADE,
            object_id VARCHAR(255) NOT NULL,
            seq BIGINT NOT NULL,
            status VARCHAR(16) NOT NULL,
            attempts INTEGER NOT NULL,
            next_attempt_at VARCHAR(32) NOT NULL,
            last_status_code INTEGER,
            last_error VARCHAR(500),
            delivered_at VARCHAR(32),
            created_at VARCHAR(32) NOT NULL
        )""",
            "CREATE INDEX webhook_delivery_due ON webhook_delivery (status, next_attempt_at)",
            "CREATE INDEX webhook_delivery_order ON webhook_delivery (webhook_id, object_id, seq)",
            "CREATE INDEX webhook_delivery_event ON webhook_delivery (event_id)",
            """CREATE TABLE webhook_attempt (
            id VARCHAR(36) PRIMARY KEY,
            delivery_id VARCHAR(36) NOT NULL REFERENCES webhook_delivery (id) ON DELETE CASCADE,
            webhook_id VARCHAR(40) NOT NULL,
            attempted_at VARCHAR(32) NOT NULL,
            status_code INTEGER,
            latency_ms DOUBLE PRECISION NOT NULL,
            response_excerpt VARCHAR(500),
            error VARCHAR(500)
        )""",
            "CREATE INDEX webhook_attempt_webhook ON webhook_attempt (webhook_id, attempted_at)",
            "CREATE INDEX webhook_attempt_delivery ON webhook_attempt (delivery_id)",
        ),
    ),
    # Dispatches (dispatches/): a course shared with another LMS; its learners' registrations.
    Migration(
        27,
        "dispatches",
        (
            """CREATE TABLE dispatch (
            id VARCHAR(48) PRIMARY KEY,
            tenant_id VARCHAR(36) NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
            package_id VARCHAR(36) NOT NULL REFERENCES package (id) ON DELETE CASCADE,
            dispatch_name VARCHAR(200) NOT NULL,
            client_name VARCHAR(200),
            registration_limit INTEGER,
            registration_count INTEGER NOT NULL DEFAULT 0,
            license_limit INTEGER,
            track_licenses BOOLEAN NOT NULL DEFAULT FALSE,
            license_count INTEGER NOT NULL DEFAULT 0,
            expires_at VARCHAR(32),
            allowed_domains TEXT NOT NULL,
            password_hash VARCHAR(200),
            enabled BOOLEAN NOT NULL DEFAULT TRUE,
            revoked_at VARCHAR(32),
            zip_standard VARCHAR(16),
            zip_status VARCHAR(16),
            zip_error VARCHAR(500),
            zip_generated_at VARCHAR(32),
            learner_scope VARCHAR(48) NOT NULL,
            created_at VARCHAR(32) NOT NULL,
            updated_at VARCHAR(32) NOT NULL
        )""",
            "CREATE INDEX dispatch_tenant ON dispatch (tenant_id, created_at)",
            "CREATE INDEX dispatch_package ON dispatch (package_id)",
            """CREATE TABLE dispatch_registration (
            id VARCHAR(36) PRIMARY KEY,
            dispatch_id VARCHAR(48) NOT NULL REFERENCES dispatch (id) ON DELETE CASCADE,
            learner_id VARCHAR(255) NOT NULL,
            learner_name VARCHAR(255),
            user_id VARCHAR(255) NOT NULL,
            host_origin VARCHAR(300),
            launch_count INTEGER NOT NULL DEFAULT 0,
            first_launched_at VARCHAR(32) NOT NULL,
            last_launched_at VARCHAR(32) NOT NULL
        )""",
            "CREATE UNIQUE INDEX dispatch_registration_learner"
            " ON dispatch_registration (dispatch_id, learner_id)",
        ),
    ),
    # Learners (learners/): the tenant's learners by id with their display name (made from the
    # sessions so far), lasting launch links, and the erasures a sync still has to carry.
    Migration(
        28,
        "learners",
        (
            """CREATE TABLE learner (
            tenant_id VARCHAR(36) NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
            learner_id VARCHAR(255) NOT NULL,
            name VARCHAR(255),
            created_at VARCHAR(32) NOT NULL,
            updated_at VARCHAR(32) NOT NULL,
            PRIMARY KEY (tenant_id, learner_id)
        )""",
            "CREATE INDEX learner_name ON learner (tenant_id, name)",
            """INSERT INTO learner (tenant_id, learner_id, name, created_at, updated_at)
            SELECT tenant_id, user_id, MAX(user_name), MIN(created_at), MAX(updated_at)
            FROM learner_session GROUP BY tenant_id, user_id""",
            """CREATE TABLE learner_link (
            id VARCHAR(48) PRIMARY KEY,
            tenant_id VARCHAR(36) NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
            learner_id VARCHAR(255) NOT NULL,
            package_id VARCHAR(36) NOT NULL REFERENCES package (id) ON DELETE CASCADE,
            expires_at VARCHAR(32),
            revoked_at VARCHAR(32),
            use_count INTEGER NOT NULL DEFAULT 0,
            last_used_at VARCHAR(32),
            created_at VARCHAR(32) NOT NULL
        )""",
            "CREATE INDEX learner_link_learner ON learner_link (tenant_id, learner_id)",
            "CREATE INDEX learner_link_tenant ON learner_link (tenant_id, created_at)",
            """CREATE TABLE learner_erasure (
            id VARCHAR(36) PRIMARY KEY,
            tenant_id VARCHAR(36) NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
            learner_id VARCHAR(255) NOT NULL,
            session_ids TEXT NOT NULL,
            erased_at VARCHAR(32) NOT NULL
        )""",
            "CREATE INDEX learner_erasure_tenant ON learner_erasure (tenant_id, erased_at)",
        ),
    ),
    # Two of the statement indexes hold a value for few statements (a StatementRef object, an
    # Agent or Group object) but took an entry, and a page written at each commit, for every
    # statement: partial, they hold only the statements with a value. Every query on those
    # columns compares them (or asks IS NOT NULL), which both SQLite and PostgreSQL read as
    # implying the index's condition.
    Migration(
        29,
        "xapi statement indexes of rare values made partial",
        (
            "DROP INDEX xapi_statement_object_ref",
            "CREATE INDEX xapi_statement_object_ref ON xapi_statement (tenant_id, object_ref)"
            " WHERE object_ref IS NOT NULL",
            "DROP INDEX xapi_statement_object_agent",
            "CREATE INDEX xapi_statement_object_agent ON xapi_statement"
            " (tenant_id, object_agent_key, stored, pk) WHERE object_agent_key IS NOT NULL",
        ),
    ),
    # Sync by file (sync/byfile/): the instances whose files a tenant trusts, the files it
    # imported (a file names the one before it), the files written for the dashboard to
    # download, and which way a conflict arose.
    Migration(
        30,
        "sync by file: trusted instances, imports, files, conflict direction",
        (
            """CREATE TABLE sync_trust (
            tenant_id VARCHAR(36) NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
            instance_id VARCHAR(64) NOT NULL,
            public_key VARCHAR(64) NOT NULL,
            name VARCHAR(255),
            trusted_at VARCHAR(32) NOT NULL,
            PRIMARY KEY (tenant_id, instance_id)
        )""",
            """CREATE TABLE sync_import (
            id VARCHAR(36) PRIMARY KEY,
            tenant_id VARCHAR(36) NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
            file_id VARCHAR(36) NOT NULL,
            source_instance VARCHAR(64) NOT NULL,
            source_tenant VARCHAR(255) NOT NULL,
            destination VARCHAR(255) NOT NULL,
            sequence INTEGER NOT NULL,
            follows VARCHAR(36),
            full_file BOOLEAN NOT NULL,
            run_id VARCHAR(36) NOT NULL,
            status VARCHAR(16) NOT NULL,
            started_at VARCHAR(32) NOT NULL,
            finished_at VARCHAR(32)
        )""",
            "CREATE INDEX sync_import_file ON sync_import (tenant_id, source_instance, file_id)",
            """CREATE TABLE sync_file (
            id VARCHAR(36) PRIMARY KEY,
            tenant_id VARCHAR(36) NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
            destination VARCHAR(255) NOT NULL,
            sequence INTEGER NOT NULL,
            follows VARCHAR(36),
            size BIGINT NOT NULL,
            storage_key VARCHAR(512) NOT NULL,
            counts TEXT NOT NULL,
            created_at VARCHAR(32) NOT NULL
        )""",
            "CREATE INDEX sync_file_tenant ON sync_file (tenant_id, destination, created_at)",
            "ALTER TABLE sync_conflict ADD COLUMN direction VARCHAR(16) NOT NULL DEFAULT 'sent'",
        ),
    ),
    # Training records (records/): each transcript or report file issued, by its verification
    # code, with its bytes' checksum (verify-record looks a file up by it).
    Migration(
        31,
        "issued training records",
        (
            """CREATE TABLE issued_record (
            code VARCHAR(32) PRIMARY KEY,
            tenant_id VARCHAR(36) NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
            kind VARCHAR(16) NOT NULL,
            format VARCHAR(8) NOT NULL,
            learner_id VARCHAR(255),
            title VARCHAR(600) NOT NULL,
            summary TEXT NOT NULL,
            sha256 VARCHAR(64) NOT NULL,
            size BIGINT NOT NULL,
            issued_at VARCHAR(32) NOT NULL,
            issued_by VARCHAR(200)
        )""",
            "CREATE INDEX issuedrecord_tenant_id_sha256 ON issued_record (tenant_id, sha256)",
            "CREATE INDEX issuedrecord_tenant_id_learner_id ON issued_record (tenant_id, learner_id)",
        ),
    ),
]


def _number_statements(db: peewee.Database) -> None:
    # Statements stored before now are numbered in their stored order (their commits are
    # over: any order that is fixed from here on is a commit order for a reader to come).
    p, last, n = db.param, ("", ""), 0
    while rows := db.execute_sql(
        f"SELECT stored, pk FROM xapi_statement WHERE (stored > {p}) OR (stored = {p} AND pk > {p}) "
        "ORDER BY stored, pk LIMIT 1000",
        (last[0], last[0], last[1]),
    ).fetchall():
        for _stored, pk in rows:
            n += 1
            db.execute_sql(f"UPDATE xapi_statement SET seq = {p} WHERE pk = {p}", (n, pk))
        last = rows[-1]
    db.execute_sql(f"INSERT INTO counter (name, value) VALUES ('xapi_statement', {p})", (n,))
    db.execute_sql("CREATE INDEX xapi_statement_tenant_seq ON xapi_statement (tenant_id, seq)")


def _create_documents(db: peewee.Database) -> None:
    # State, activity profile and agent profile documents. Absent parts of the key are ''
    # (not NULL), so the unique index holds. Bytes are BLOB in SQLite, BYTEA in PostgreSQL.
    binary = "BLOB" if is_sqlite(db) else "BYTEA"
    db.execute_sql(f"""CREATE TABLE xapi_document (
        pk VARCHAR(36) PRIMARY KEY,
        tenant_id VARCHAR(36) NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
        kind VARCHAR(16) NOT NULL,
        activity_id VARCHAR(2048) NOT NULL,
        agent_key VARCHAR(2048) NOT NULL,
        registration VARCHAR(36) NOT NULL,
        doc_id VARCHAR(2048) NOT NULL,
        content_type VARCHAR(255) NOT NULL,
        content {binary} NOT NULL,
        etag VARCHAR(64) NOT NULL,
        updated VARCHAR(32) NOT NULL
    )""")
    db.execute_sql(
        "CREATE UNIQUE INDEX xapi_document_key ON xapi_document "
        "(tenant_id, kind, activity_id, agent_key, registration, doc_id)"
    )


def _statement_links(db: peewee.Database) -> None:
    binary = "BLOB" if is_sqlite(db) else "BYTEA"
    for sql in (
        f"""CREATE TABLE xapi_attachment (
            tenant_id VARCHAR(36) NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
            sha2 VARCHAR(128) NOT NULL,
            content_type VARCHAR(255) NOT NULL,
            content {binary} NOT NULL,
            stored VARCHAR(32) NOT NULL,
            PRIMARY KEY (tenant_id, sha2)
        )""",
        """CREATE TABLE xapi_statement_related (
            tenant_id VARCHAR(36) NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
            statement_pk VARCHAR(36) NOT NULL,
            kind VARCHAR(1) NOT NULL,
            key VARCHAR(2048) NOT NULL,
            PRIMARY KEY (statement_pk, kind, key)
        )""",
        "CREATE INDEX xapi_statement_related_key ON xapi_statement_related (tenant_id, kind, key, statement_pk)",  # noqa: E501
        # Each Activity's definition, merged from every statement that defined it.
        """CREATE TABLE xapi_activity (
            tenant_id VARCHAR(36) NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
            activity_id VARCHAR(2048) NOT NULL,
            definition TEXT NOT NULL,
            updated VARCHAR(32) NOT NULL,
            PRIMARY KEY (tenant_id, activity_id)
        )""",
        # Queries also return statements whose StatementRef targets a match.
        "ALTER TABLE xapi_statement ADD COLUMN object_ref VARCHAR(36)",
        "CREATE INDEX xapi_statement_object_ref ON xapi_statement (tenant_id, object_ref)",
    ):
        db.execute_sql(sql)
    # Statements stored before this version get their derived rows (references, related,
    # activity definitions) from scorm_api.xapi.reindex at start-up, resumably, from this cursor.
    p = db.param
    db.execute_sql(
        f"INSERT INTO admin_setting (name, value, updated_at) VALUES ({p}, {p}, {p})",
        ("xapi_reindex_after", "", utcnow_iso()),
    )


_TOTALS = """total_statements INTEGER NOT NULL DEFAULT 0,
            completed_count INTEGER NOT NULL DEFAULT 0,
            passed_count INTEGER NOT NULL DEFAULT 0,
            failed_count INTEGER NOT NULL DEFAULT 0,
            score_sum DOUBLE PRECISION NOT NULL DEFAULT 0,
            score_count INTEGER NOT NULL DEFAULT 0,
            avg_score_scaled DOUBLE PRECISION,
            first_activity VARCHAR(32),
            last_activity VARCHAR(32)"""


def _analytics(db: peewee.Database) -> None:
    # Running totals per actor and per activity, kept as statements are stored, so the seed's
    # analytics read a few rows whatever the number of statements; one index per sort column.
    db.execute_sql(f"""CREATE TABLE xapi_actor_stats (
            tenant_id VARCHAR(36) NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
            actor_key VARCHAR(2048) NOT NULL,
            actor TEXT NOT NULL,
            actor_mbox VARCHAR(2048),
            actor_name VARCHAR(2048),
            unique_activities INTEGER NOT NULL DEFAULT 0,
            {_TOTALS},
            PRIMARY KEY (tenant_id, actor_key)
        )""")
    db.execute_sql(f"""CREATE TABLE xapi_activity_stats (
            tenant_id VARCHAR(36) NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
            activity_id VARCHAR(2048) NOT NULL,
            activity_type VARCHAR(2048),
            package_id VARCHAR(36),
            unique_learners INTEGER NOT NULL DEFAULT 0,
            {_TOTALS},
            PRIMARY KEY (tenant_id, activity_id)
        )""")
    db.execute_sql("""CREATE TABLE xapi_actor_activity (
            tenant_id VARCHAR(36) NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
            actor_key VARCHAR(2048) NOT NULL,
            activity_id VARCHAR(2048) NOT NULL,
            statements INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (tenant_id, actor_key, activity_id)
        )""")
    for table, extra in (
        ("xapi_actor_stats", ("unique_activities", "actor_mbox", "actor_name")),
        ("xapi_activity_stats", ("unique_learners", "activity_type", "package_id")),
    ):
        for column in _SORTED + extra:
            db.execute_sql(f"CREATE INDEX {table}_{column} ON {table} (tenant_id, {column})")
    # Statements already stored are counted by the start-up reindex, from the beginning.
    p = db.param
    db.execute_sql(
        f"INSERT INTO admin_setting (name, value, updated_at) VALUES ({p}, {p}, {p}) "
        f"ON CONFLICT (name) DO UPDATE SET value = {p}",
        ("xapi_reindex_after", "", utcnow_iso(), ""),
    )


def _ordered_statement_indexes(db: peewee.Database) -> None:
    # A filtered page is read in (stored, pk) order: with pk in each filter's index the index
    # gives that order outright, so the planner walks it instead of the stored index (which,
    # for a rare value, meant reading every statement).
    for name, column in (
        ("verb", "verb_id"),
        ("activity", "activity_id"),
        ("actor", "actor_key"),
        ("registration", "registration"),
        ("object_agent", "object_agent_key"),
    ):
        db.execute_sql(f"DROP INDEX xapi_statement_{name}")
        db.execute_sql(
            f"CREATE INDEX xapi_statement_{name} ON xapi_statement (tenant_id, {column}, stored, pk)"
        )
    # The related rows are only ever looked up by (tenant, kind, key): one b-tree keyed so
    # (WITHOUT ROWID on SQLite) instead of a table and two indexes, a third of the bytes.
    suffix = " WITHOUT ROWID" if is_sqlite(db) else ""
    db.execute_sql(f"""CREATE TABLE xapi_statement_related_v13 (
            tenant_id VARCHAR(36) NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
            kind VARCHAR(1) NOT NULL,
            key VARCHAR(2048) NOT NULL,
            statement_pk VARCHAR(36) NOT NULL,
            PRIMARY KEY (tenant_id, kind, key, statement_pk)
        ){suffix}""")
    db.execute_sql(
        "INSERT INTO xapi_statement_related_v13 (tenant_id, kind, key, statement_pk) "
        "SELECT tenant_id, kind, key, statement_pk FROM xapi_statement_related"
    )
    db.execute_sql("DROP TABLE xapi_statement_related")
    db.execute_sql("ALTER TABLE xapi_statement_related_v13 RENAME TO xapi_statement_related")


def _analytics_pending(db: peewee.Database) -> None:
    # Statements not yet in the analytics' running totals, in stored order. Kept by the row
    # key (time-ordered), so each write appends to one page (WITHOUT ROWID on SQLite).
    suffix = " WITHOUT ROWID" if is_sqlite(db) else ""
    db.execute_sql(f"""CREATE TABLE xapi_analytics_pending (
            statement_pk VARCHAR(36) PRIMARY KEY,
            tenant_id VARCHAR(36) NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
            sign SMALLINT NOT NULL
        ){suffix}""")


def _widen_launch_key(db: peewee.Database) -> None:
    # A launch key is "<13-digit ms>:<uuid>" (50 characters). SQLite does not enforce VARCHAR
    # lengths, PostgreSQL does.
    if not is_sqlite(db):
        db.execute_sql("ALTER TABLE sco_state ALTER COLUMN last_commit_launch TYPE VARCHAR(64)")


def _count_cmi_chars(db: peewee.Database) -> None:
    # What sessions.limits counts: the characters of each element's name and value. JSON in
    # SQL differs between SQLite and PostgreSQL, so the rows are read once here.
    # Paged by key, not one open cursor: the rows are updated as they are read.
    p, last = db.param, ""
    while rows := db.execute_sql(
        f"SELECT id, cmi FROM sco_state WHERE id > {p} ORDER BY id LIMIT 500", (last,)
    ).fetchall():
        for row_id, text in rows:
            chars = sum(len(k) + len(str(v)) for k, v in json.loads(text).items())
            db.execute_sql(f"UPDATE sco_state SET cmi_chars = {p} WHERE id = {p}", (chars, row_id))
        last = rows[-1][0]


_VERSION_TABLE = """CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name VARCHAR(200) NOT NULL,
    applied_at VARCHAR(32) NOT NULL
)"""


def current_version(db: peewee.Database) -> int:
    db.execute_sql(_VERSION_TABLE)
    row = db.execute_sql("SELECT MAX(version) FROM schema_migrations").fetchone()
    return row[0] or 0


def latest_version(migrations: Sequence[Migration] = MIGRATIONS) -> int:
    return max(m.version for m in migrations)


def migrate(
    db: peewee.Database, migrations: Sequence[Migration] = MIGRATIONS, target: int | None = None
) -> list[int]:
    """Apply pending migrations in order; return the versions applied.

    Safe when two processes start at once: each migration re-checks the version inside its
    own write transaction.
    """
    applied = []
    target = latest_version(migrations) if target is None else target
    for m in sorted(migrations, key=lambda m: m.version):
        if m.version > target:
            break
        lock = {"lock_type": "IMMEDIATE"} if is_sqlite(db) else {}
        with db.atomic(**lock):
            if current_version(db) >= m.version:
                continue
            for sql in m.statements:
                db.execute_sql(sql)
            if m.run:
                m.run(db)
            p = db.param
            db.execute_sql(
                f"INSERT INTO schema_migrations (version, name, applied_at) VALUES ({p}, {p}, {p})",
                (m.version, m.name, utcnow_iso()),
            )
        applied.append(m.version)
    return applied
