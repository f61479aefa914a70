"""The journal table and its append-only triggers, per database."""

from django.db import migrations, models

SQLITE = [
    """CREATE TABLE journal_journalentry (
        id integer NOT NULL PRIMARY KEY AUTOINCREMENT,
        seq bigint NOT NULL UNIQUE,
        at datetime NOT NULL,
        actor_id integer NULL,
        actor_name varchar(150) NOT NULL,
        operation varchar(20) NOT NULL,
        action varchar(64) NOT NULL,
        object_type varchar(64) NOT NULL,
        object_id varchar(64) NOT NULL,
        reason varchar(64) NOT NULL,
        recipient varchar(200) NOT NULL,
        detail text NOT NULL CHECK (json_valid(detail)),
        previous varchar(64) NOT NULL,
        digest varchar(64) NOT NULL UNIQUE
    )""",
    """CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal_journalentry
       BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END""",
    """CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal_journalentry
       BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END""",
]
POSTGRESQL = [
    """CREATE TABLE journal_journalentry (
        id bigserial PRIMARY KEY,
        seq bigint NOT NULL UNIQUE,
        at timestamp with time zone NOT NULL,
        actor_id integer NULL,
        actor_name varchar(150) NOT NULL,
        operation varchar(20) NOT NULL,
        action varchar(64) NOT NULL,
        object_type varchar(64) NOT NULL,
        object_id varchar(64) NOT NULL,
        reason varchar(64) NOT NULL,
        recipient varchar(200) NOT NULL,
        detail jsonb NOT NULL,
        previous varchar(64) NOT NULL,
        digest varchar(64) NOT NULL UNIQUE
    )""",
    """CREATE FUNCTION casereview_journal_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'the journal is append-only'; END; $$""",
    """CREATE TRIGGER journal_no_update_delete BEFORE UPDATE OR DELETE ON journal_journalentry
       FOR EACH ROW EXECUTE FUNCTION casereview_journal_append_only()""",
    """CREATE TRIGGER journal_no_truncate BEFORE TRUNCATE ON journal_journalentry
       FOR EACH STATEMENT EXECUTE FUNCTION casereview_journal_append_only()""",
]


def create(apps, schema_editor):
    statements = POSTGRESQL if schema_editor.connection.vendor == "postgresql" else SQLITE
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [
        migrations.RunPython(create, migrations.RunPython.noop),
        migrations.CreateModel(
            name="JournalEntry",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("seq", models.BigIntegerField(unique=True)),
                ("at", models.DateTimeField()),
                ("actor_id", models.IntegerField(blank=True, null=True)),
                ("actor_name", models.CharField(max_length=150)),
                ("operation", models.CharField(max_length=20)),
                ("action", models.CharField(max_length=64)),
                ("object_type", models.CharField(blank=True, max_length=64)),
                ("object_id", models.CharField(blank=True, max_length=64)),
                ("reason", models.CharField(blank=True, max_length=64)),
                ("recipient", models.CharField(blank=True, max_length=200)),
                ("detail", models.JSONField(default=dict)),
                ("previous", models.CharField(max_length=64)),
                ("digest", models.CharField(max_length=64, unique=True)),
            ],
            options={
                "verbose_name_plural": "journal entries",
                "db_table": "journal_journalentry",
                "ordering": ["seq"],
                "managed": False,
            },
        ),
        migrations.CreateModel(
            name="JournalAnchor",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("seq", models.BigIntegerField()),
                ("digest", models.CharField(max_length=64)),
                ("signature", models.CharField(max_length=64)),
                ("at", models.DateTimeField()),
            ],
            options={"ordering": ["-seq", "-id"]},
        ),
    ]
