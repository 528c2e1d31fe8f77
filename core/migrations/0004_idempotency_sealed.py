"""Idempotency replays sealed at rest (docs/security.md#idempotency-replays).

`response_body` becomes an encrypted binary field (same bytea/BLOB column, no schema change) and
the rows already there are encrypted in place: nothing is purged, a retry that spans the upgrade
still replays its first answer, and no plain copy of an account number stays in the table.
"""

from django.db import migrations, models

import core.crypto


def _rewrite(schema_editor, transform) -> None:
    connection = schema_editor.connection
    table = connection.ops.quote_name("core_idempotencykey")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, response_body FROM {table} WHERE response_body IS NOT NULL")
        rows = [(transform(bytes(body)), pk) for pk, body in cursor.fetchall()]
        rows = [(body, pk) for body, pk in rows if body is not None]
        if rows:
            cursor.executemany(f"UPDATE {table} SET response_body = %s WHERE id = %s", rows)


def _seal(body: bytes) -> bytes | None:
    try:
        core.crypto.decrypt_bytes(body)
    except core.crypto.UnreadableData:
        return core.crypto.encrypt_bytes(body)
    return None  # sealed already


def seal_existing(apps, schema_editor):
    _rewrite(schema_editor, _seal)


def unseal_existing(apps, schema_editor):
    _rewrite(schema_editor, core.crypto.decrypt_bytes)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_job"),
    ]

    operations = [
        migrations.AlterField(
            model_name="idempotencykey",
            name="caller",
            field=models.CharField(
                help_text="hash of the authenticated API secret (core.api.idempotency)",
                max_length=64,
            ),
        ),
        migrations.AlterField(
            model_name="idempotencykey",
            name="response_body",
            field=core.crypto.EncryptedBinaryField(null=True),
        ),
        migrations.RunPython(seal_existing, unseal_existing),
    ]
