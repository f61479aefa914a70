"""Anchors become append-only like the journal (triggers, per database) and chained (``previous``).

The table stays where it is but is no longer managed by Django, so that the test runner's flush (which
empties managed tables) leaves it be, as it leaves the journal.
"""

from django.db import migrations, models

SQLITE = [
    """CREATE TRIGGER journal_anchor_no_update BEFORE UPDATE ON journal_journalanchor
       BEGIN SELECT RAISE(ABORT, 'journal anchors are append-only'); END""",
    """CREATE TRIGGER journal_anchor_no_delete BEFORE DELETE ON journal_journalanchor
       BEGIN SELECT RAISE(ABORT, 'journal anchors are append-only'); END""",
]
SQLITE_UNDO = ["DROP TRIGGER journal_anchor_no_update", "DROP TRIGGER journal_anchor_no_delete"]
POSTGRESQL = [
    """CREATE FUNCTION casereview_journal_anchor_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'journal anchors are append-only'; END; $$""",
    """CREATE TRIGGER journal_anchor_no_update_delete BEFORE UPDATE OR DELETE ON journal_journalanchor
       FOR EACH ROW EXECUTE FUNCTION casereview_journal_anchor_append_only()""",
    """CREATE TRIGGER journal_anchor_no_truncate BEFORE TRUNCATE ON journal_journalanchor
       FOR EACH STATEMENT EXECUTE FUNCTION casereview_journal_anchor_append_only()""",
]
POSTGRESQL_UNDO = [
    "DROP TRIGGER journal_anchor_no_update_delete ON journal_journalanchor",
    "DROP TRIGGER journal_anchor_no_truncate ON journal_journalanchor",
    "DROP FUNCTION casereview_journal_anchor_append_only()",
]


def guard(apps, schema_editor):
    statements = POSTGRESQL if schema_editor.connection.vendor == "postgresql" else SQLITE
    for sql in statements:
        schema_editor.execute(sql)


def unguard(apps, schema_editor):
    statements = POSTGRESQL_UNDO if schema_editor.connection.vendor == "postgresql" else SQLITE_UNDO
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("journal", "0001_initial")]
    operations = [
        migrations.AddField(
            model_name="journalanchor",
            name="previous",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
        migrations.AlterModelOptions(
            name="journalanchor",
            options={"managed": False, "ordering": ["-seq", "-id"]},
        ),
        migrations.AlterModelTable(name="journalanchor", table="journal_journalanchor"),
        migrations.RunPython(guard, unguard),
    ]
