"""The peewee models match the schema the migrations build, column by column: a model field
without its column (or with another type, length, nullability or key) would fail only when a
query touches it, and PostgreSQL enforces the lengths SQLite ignores."""

from __future__ import annotations

import re

import peewee
import pytest

from scorm_api.db import BaseModel, database

# Tables the migrations make that no model maps (read and written with SQL of their own).
UNMAPPED = {"schema_migrations"}
# Lengths SQLite's declared schema keeps from before a migration widened them on PostgreSQL
# only (SQLite enforces no VARCHAR length, so it is not rebuilt): (table, column) -> the
# length PostgreSQL has.
WIDENED_ON_POSTGRES = {("sco_state", "last_commit_launch"): 64}  # migration 5, _widen_launch_key


def all_models() -> list[type[peewee.Model]]:
    """Every model with a table: BaseModel's subclasses, less the abstract bases among them
    (a model subclassed for its fields, such as xapi's _Totals)."""
    seen, todo = [], list(BaseModel.__subclasses__())
    while todo:
        model = todo.pop()
        subclasses = model.__subclasses__()
        if not subclasses:
            seen.append(model)
        todo.extend(subclasses)
    return sorted(seen, key=lambda m: m._meta.table_name)


def kind_of_declared(declared: str) -> str:
    """A declared SQL type's kind (SQLite's affinity rules, with BOOLEAN as the integer it is)."""
    t = declared.upper()
    if "INT" in t or "BOOL" in t:
        return "integer"
    if any(x in t for x in ("CHAR", "CLOB", "TEXT")):
        return "text"
    if any(x in t for x in ("REAL", "FLOA", "DOUB")):
        return "real"
    return "blob" if "BLOB" in t or not t else "numeric"


def declared_length(declared: str) -> int | None:
    m = re.search(r"\((\d+)\)", declared)
    return int(m.group(1)) if m else None


def columns(table: str) -> dict[str, dict]:
    rows = database.execute_sql(f'PRAGMA table_info("{table}")').fetchall()
    return {
        name: {"type": type_, "notnull": bool(notnull), "pk": pk > 0}
        for _cid, name, type_, notnull, _default, pk in rows
    }


def problems(model: type[peewee.Model]) -> list[str]:
    table = model._meta.table_name
    found = columns(table)
    if not found:
        return [f"{table}: no such table"]
    out = []
    pk_fields = {f.column_name for f in (model._meta.get_primary_keys())}
    for field in model._meta.sorted_fields:
        name, col = field.column_name, found.get(field.column_name)
        if col is None:
            out.append(f"{table}.{name}: no such column")
            continue
        kind = kind_of_declared(field.field_type)
        if kind != kind_of_declared(col["type"]):
            out.append(f"{table}.{name}: model {field.field_type} ({kind}), schema {col['type']}")
        length = getattr(field, "max_length", None)
        declared = WIDENED_ON_POSTGRES.get((table, name)) or declared_length(col["type"])
        if length is not None and declared not in (None, length):
            out.append(f"{table}.{name}: model max_length {length}, schema {col['type']}")
        is_pk = name in pk_fields
        if is_pk != col["pk"]:
            out.append(f"{table}.{name}: primary key in the {'model' if is_pk else 'schema'} only")
        if not is_pk and field.null == col["notnull"]:
            out.append(f"{table}.{name}: {'nullable' if field.null else 'NOT NULL'} in the model only")
    extra = set(found) - {f.column_name for f in model._meta.sorted_fields}
    out += [f"{table}.{name}: column without a model field" for name in sorted(extra)]
    return out


@pytest.fixture
def migrated(app):
    return {
        row[0]
        for row in database.execute_sql(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    }


def test_every_model_matches_its_table(migrated):
    models = all_models()
    assert len(models) > 20  # every domain's models were imported by create_app
    assert [p for m in models for p in problems(m)] == []


def test_every_table_has_a_model(migrated):
    assert migrated - {m._meta.table_name for m in all_models()} == UNMAPPED


def test_a_drifted_model_is_caught(app):
    class Drifted(peewee.Model):  # not a BaseModel: all_models() must not find it
        id = peewee.CharField(primary_key=True, max_length=36)
        name = peewee.CharField(max_length=100)  # the schema says VARCHAR(200)
        is_system = peewee.CharField(max_length=5)  # an integer there
        missing = peewee.IntegerField()

        class Meta:
            database = BaseModel._meta.database
            table_name = "tenant"

    found = problems(Drifted)
    assert "tenant.name: model max_length 100, schema VARCHAR(200)" in found
    assert any(p.startswith("tenant.is_system: model VARCHAR") for p in found)
    assert "tenant.missing: no such column" in found
    assert "tenant.created_at: column without a model field" in found
