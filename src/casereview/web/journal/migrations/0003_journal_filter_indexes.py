"""Indexes for the journal page's filters (issue 22), each ending in ``seq`` so that a filtered page is read
newest first, 50 entries at a time, straight from the index at a million entries and more.

The journal is not managed by Django (``managed = False``: see 0001), so the indexes are made by SQL, per
database.  The user filter matches the name whatever its case: its index is on ``lower(actor_name)``, the
expression the page's query uses (and with the action, the commonest pair: without it PostgreSQL ANDed
the user's few thousand entries with the action's tens of thousands); on PostgreSQL these carry
``actor_name`` too (INCLUDE), without which PostgreSQL will not count a user's entries from the index
alone.  Each append writes six more index entries; an append already takes a lock, a read and an insert,
so the cost is small beside it.

On PostgreSQL each index is built ``CONCURRENTLY``, outside any transaction (the migration is not atomic):
a plain ``CREATE INDEX`` holds a lock that stops every insert into the journal, so every journaled action
would wait for six index builds over a million entries and more.  A concurrent build that fails leaves an
invalid index behind; running the migration again drops it and builds it afresh.  SQLite builds them as
before (it has no concurrent build and locks the whole database for any write anyway).  The migration state
is unchanged: the journal's model knows nothing of these indexes.
"""

from typing import Any

from django.db import migrations

INDEXES = {
    "journal_entry_action_seq": "(action, seq)",
    "journal_entry_actor_seq": "((lower(actor_name)), seq)",
    "journal_entry_actor_action_seq": "((lower(actor_name)), action, seq)",
    "journal_entry_object_type_seq": "(object_type, seq)",
    "journal_entry_object_id_seq": "(object_id, object_type, seq)",
    "journal_entry_at": "(at)",
}
#: What PostgreSQL adds to an index (columns it carries for index-only scans).
POSTGRESQL_INCLUDE = {
    "journal_entry_actor_seq": " INCLUDE (actor_name)",
    "journal_entry_actor_action_seq": " INCLUDE (actor_name)",
}


def create_sql(vendor: str) -> list[str]:
    """The statements that build the indexes on this database (``connection.vendor``)."""
    if vendor == "postgresql":
        return [
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON journal_journalentry "
            f"{columns}{POSTGRESQL_INCLUDE.get(name, '')}"
            for name, columns in INDEXES.items()
        ]
    return [
        f"CREATE INDEX IF NOT EXISTS {name} ON journal_journalentry {columns}"
        for name, columns in INDEXES.items()
    ]


def drop_sql(vendor: str) -> list[str]:
    concurrently = " CONCURRENTLY" if vendor == "postgresql" else ""
    return [f"DROP INDEX{concurrently} IF EXISTS {name}" for name in INDEXES]


def _invalid(schema_editor: Any) -> list[str]:
    """Indexes of ours that an interrupted concurrent build left invalid (PostgreSQL): dropped and rebuilt,
    since ``IF NOT EXISTS`` would otherwise keep them, unused by any query, for good."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE NOT i.indisvalid AND c.relname = ANY(%s) AND pg_table_is_visible(c.oid)",
            [list(INDEXES)],
        )
        return [name for (name,) in cursor.fetchall()]


def create(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for name in _invalid(schema_editor):
            schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
    for sql in create_sql(vendor):
        schema_editor.execute(sql)


def drop(apps: Any, schema_editor: Any) -> None:
    for sql in drop_sql(schema_editor.connection.vendor):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    # Not in a transaction: PostgreSQL builds an index CONCURRENTLY only outside one.
    atomic = False
    dependencies = [("journal", "0002_anchors_append_only_chained")]
    operations = [migrations.RunPython(create, drop)]
