"""The lists' order as an index (docs/scale.md#1-indexes-for-the-lists-done-migration-settlements-0007).

On PostgreSQL it is built CONCURRENTLY (writes go on while it builds: a plain CREATE INDEX on a
table of 10^7 transfers holds off every insert for the build) and IF NOT EXISTS, so an operator
who built it by hand before the upgrade (docs/deploy.md#upgrades) is not stopped by it. Other
databases get Django's own CREATE INDEX."""

from django.db import migrations, models

INDEX = models.Index(fields=["is_for_test", "-created_at", "-id"], name="transfer_test_created_idx")


def create(apps, schema_editor):
    model = apps.get_model("settlements", "Transfer")
    if schema_editor.connection.vendor != "postgresql":
        schema_editor.add_index(model, INDEX)
        return
    schema_editor.execute(
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS transfer_test_created_idx "
        f"ON {schema_editor.quote_name(model._meta.db_table)} "
        '("is_for_test", "created_at" DESC, "id" DESC)'
    )


def drop(apps, schema_editor):
    model = apps.get_model("settlements", "Transfer")
    schema_editor.remove_index(model, INDEX)


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("settlements", "0006_transfer_snapshot_parts"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddIndex(model_name="transfer", index=INDEX)],
            database_operations=[migrations.RunPython(create, drop)],
        ),
    ]
