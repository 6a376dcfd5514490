"""The migrated schema is the schema the models describe, on SQLite and on PostgreSQL.

The session ``database_url`` fixture applies every migration to a fresh database; these
tests then read the catalogue (``PRAGMA`` on SQLite, ``pg_catalog`` on PostgreSQL) and
compare each model's table with its fields: columns, types, nullability, unique
constraints, indexes and foreign keys. A migration hand-written for one dialect that
drifts from the models fails here.
"""

from __future__ import annotations

import asyncio
import importlib
import re
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from tortoise import Tortoise
from tortoise.fields.relational import ForeignKeyFieldInstance, OneToOneFieldInstance
from tortoise.models import Model

from wecom_app.store.db import close_db, db, dialect, init_db, tortoise_config
from wecom_app.store.migrate import migrate, migrations_dir


def _model_names() -> list[str]:
    """Every model the app registers with Tortoise (the same list ``init_db`` uses)."""
    modules: list[str] = tortoise_config("sqlite://:memory:")["apps"]["models"]["models"]
    names: list[str] = []
    for module_name in modules:
        module = importlib.import_module(module_name)
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, Model)
                and value.__module__ == module_name
                and not value._meta.abstract
            ):
                names.append(value.__name__)
    return sorted(names)


MODEL_NAMES = _model_names()


@pytest.fixture
async def schema(database_url: str) -> AsyncIterator[str]:
    """Connected to the migrated session database (read-only here: no truncation)."""
    await init_db(database_url)
    try:
        yield database_url
    finally:
        await close_db()


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    nullable: bool
    primary_key: bool


@dataclass(frozen=True)
class Index:
    columns: tuple[str, ...]
    unique: bool


@dataclass(frozen=True)
class ForeignKey:
    column: str
    table: str
    target: str
    on_delete: str


_PG_ON_DELETE = {
    "a": "NO ACTION",
    "r": "RESTRICT",
    "c": "CASCADE",
    "n": "SET NULL",
    "d": "SET DEFAULT",
}


async def _columns(table: str) -> dict[str, Column]:
    conn = db()
    if dialect(conn) == "sqlite":
        rows = await conn.execute_query_dict(f'PRAGMA table_info("{table}")')
        return {
            r["name"]: Column(
                r["name"], r["type"].upper(), not r["notnull"] and not r["pk"], bool(r["pk"])
            )
            for r in rows
        }
    rows = await conn.execute_query_dict(
        "SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, "
        "NOT a.attnotnull AS nullable, "
        "COALESCE(a.attnum = ANY(pk.conkey), false) AS primary_key "
        "FROM pg_attribute a JOIN pg_class t ON t.oid = a.attrelid "
        "LEFT JOIN pg_constraint pk ON pk.conrelid = t.oid AND pk.contype = 'p' "
        "WHERE t.relname = $1 AND pg_table_is_visible(t.oid) "
        "AND a.attnum > 0 AND NOT a.attisdropped",
        [table],
    )
    return {
        r["name"]: Column(r["name"], r["type"], bool(r["nullable"]), bool(r["primary_key"]))
        for r in rows
    }


async def _indexes(table: str) -> set[Index]:
    conn = db()
    if dialect(conn) == "sqlite":
        found: set[Index] = set()
        for row in await conn.execute_query_dict(f'PRAGMA index_list("{table}")'):
            info = await conn.execute_query_dict(f'PRAGMA index_info("{row["name"]}")')
            columns = tuple(r["name"] for r in sorted(info, key=lambda r: r["seqno"]))
            found.add(Index(columns, bool(row["unique"])))
        return found
    rows = await conn.execute_query_dict(
        "SELECT ix.indisunique AS uniq, "
        "array_agg(a.attname ORDER BY k.ord) AS cols "
        "FROM pg_class t JOIN pg_index ix ON ix.indrelid = t.oid "
        "CROSS JOIN LATERAL unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord) "
        "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum "
        "WHERE t.relname = $1 AND pg_table_is_visible(t.oid) "
        "GROUP BY ix.indexrelid, ix.indisunique",
        [table],
    )
    return {Index(tuple(r["cols"]), bool(r["uniq"])) for r in rows}


async def _foreign_keys(table: str) -> set[ForeignKey]:
    conn = db()
    if dialect(conn) == "sqlite":
        rows = await conn.execute_query_dict(f'PRAGMA foreign_key_list("{table}")')
        return {ForeignKey(r["from"], r["table"], r["to"], r["on_delete"].upper()) for r in rows}
    rows = await conn.execute_query_dict(
        "SELECT a.attname AS col, rt.relname AS ref_table, ra.attname AS ref_col, "
        "c.confdeltype::text AS on_delete "
        "FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid "
        "JOIN pg_class rt ON rt.oid = c.confrelid "
        "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = c.conkey[1] "
        "JOIN pg_attribute ra ON ra.attrelid = rt.oid AND ra.attnum = c.confkey[1] "
        "WHERE c.contype = 'f' AND t.relname = $1 AND pg_table_is_visible(t.oid)",
        [table],
    )
    return {
        ForeignKey(r["col"], r["ref_table"], r["ref_col"], _PG_ON_DELETE[str(r["on_delete"])])
        for r in rows
    }


def _expected_type(field: Any, kind: str) -> str:
    """The column type a field maps to, as the catalogue of ``kind`` spells it."""
    if kind == "sqlite":
        if field.pk and field.generated:
            return "INTEGER"  # SQLite's rowid alias, whatever the integer width
        return str(field.get_for_dialect("sqlite", "SQL_TYPE")).upper()
    sql_type = str(field.get_for_dialect("postgres", "SQL_TYPE")).upper()
    varchar = re.fullmatch(r"VARCHAR\((\d+)\)", sql_type)
    if varchar:
        return f"character varying({varchar.group(1)})"
    decimal = re.fullmatch(r"DECIMAL\((\d+),\s*(\d+)\)", sql_type)
    if decimal:
        return f"numeric({decimal.group(1)},{decimal.group(2)})"
    names = {
        "INT": "integer",
        "SERIAL": "integer",
        "BIGINT": "bigint",
        "BIGSERIAL": "bigint",
        "SMALLINT": "smallint",
        "TIMESTAMPTZ": "timestamp with time zone",
        "TIMESTAMP": "timestamp without time zone",
        "BOOL": "boolean",
        "DOUBLE PRECISION": "double precision",
    }
    return names.get(sql_type, sql_type.lower())


def _model(name: str) -> type[Model]:
    model = Tortoise.apps["models"][name]
    assert isinstance(model, type)
    return model


def _column_of(model: type[Model], field_name: str) -> str:
    field = model._meta.fields_map[field_name]
    if isinstance(field, ForeignKeyFieldInstance | OneToOneFieldInstance):
        return str(field.source_field)
    return str(model._meta.fields_db_projection[field_name])


@pytest.mark.parametrize("name", MODEL_NAMES)
async def test_table_columns_match_the_model(schema: str, name: str) -> None:
    model = _model(name)
    table = model._meta.db_table
    kind = dialect()
    actual = await _columns(table)
    assert actual, f"table {table!r} of model {name} does not exist"

    expected: dict[str, Column] = {}
    for field_name, column in model._meta.fields_db_projection.items():
        field = model._meta.fields_map[field_name]
        expected[column] = Column(
            column, _expected_type(field, kind), bool(field.null), bool(field.pk)
        )

    assert sorted(actual) == sorted(expected), f"{table}: columns differ from {name}'s fields"
    for column, want in expected.items():
        assert actual[column] == want, f"{table}.{column}"


@pytest.mark.parametrize("name", MODEL_NAMES)
async def test_unique_constraints_and_indexes_match_the_model(schema: str, name: str) -> None:
    model = _model(name)
    meta = model._meta
    indexes = await _indexes(meta.db_table)
    unique_sets = {frozenset(i.columns) for i in indexes if i.unique}

    for field_name, field in meta.fields_map.items():
        if field_name in meta.fetch_fields and not isinstance(
            field, ForeignKeyFieldInstance | OneToOneFieldInstance
        ):
            continue  # reverse relations and m2m have no column here
        if getattr(field, "unique", False) and not field.pk:
            column = _column_of(model, field_name)
            assert frozenset({column}) in unique_sets, f"{meta.db_table}.{column} is not unique"
        if getattr(field, "index", False) and not field.pk and not getattr(field, "unique", False):
            column = _column_of(model, field_name)
            assert any(i.columns[:1] == (column,) for i in indexes), (
                f"{meta.db_table}.{column} has no index"
            )

    for together in meta.unique_together:
        unique_columns = frozenset(_column_of(model, f) for f in together)
        assert unique_columns in unique_sets, (
            f"{meta.db_table}: no unique constraint on {sorted(unique_columns)}"
        )

    for index in meta.indexes:
        fields: Sequence[str] = index if isinstance(index, tuple | list) else index.fields
        columns = tuple(_column_of(model, f) for f in fields)
        assert any(i.columns == columns for i in indexes), f"{meta.db_table}: no index on {columns}"


@pytest.mark.parametrize("name", MODEL_NAMES)
async def test_foreign_keys_match_the_model(schema: str, name: str) -> None:
    model = _model(name)
    expected = set()
    for field in model._meta.fields_map.values():
        if (
            isinstance(field, ForeignKeyFieldInstance | OneToOneFieldInstance)
            and field.db_constraint
        ):
            related = field.related_model
            expected.add(
                ForeignKey(
                    str(field.source_field),
                    related._meta.db_table,
                    str(related._meta.pk.source_field or related._meta.pk_attr),
                    str(field.on_delete).upper().replace("_", " "),
                )
            )
    assert await _foreign_keys(model._meta.db_table) == expected


async def test_the_inbox_dedup_key_is_enforced_by_the_database(schema: str) -> None:
    """The receiver's "exactly one row per callback" rests on this unique index."""
    indexes = await _indexes("inbox")
    assert (
        Index(("scope", "dedup_key"), True) in indexes
        or Index(("dedup_key", "scope"), True) in indexes
    )


def test_migrating_again_is_a_no_op_and_every_file_is_recorded(database_url: str) -> None:
    files = sorted(
        p.name for p in (migrations_dir() / "models").glob("*.py") if p.name[0].isdigit()
    )
    assert files, "no migration files found"
    assert asyncio.run(migrate(database_url)) == []

    async def recorded() -> list[str]:
        await init_db(database_url)
        try:
            rows = await db().execute_query_dict("SELECT version FROM aerich ORDER BY id")
            return [str(r["version"]) for r in rows]
        finally:
            await close_db()

    assert sorted(asyncio.run(recorded())) == files


async def test_sqlite_runs_in_wal_mode(database: str) -> None:
    if not database.startswith("sqlite"):
        pytest.skip("WAL is SQLite's journal mode; PostgreSQL has its own")
    rows = await db().execute_query_dict("PRAGMA journal_mode")
    assert rows[0]["journal_mode"] == "wal"
    rows = await db().execute_query_dict("PRAGMA synchronous")
    assert rows[0]["synchronous"] == 1  # NORMAL: commits survive a killed process
