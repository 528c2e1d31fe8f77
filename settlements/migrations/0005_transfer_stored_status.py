"""Transfer.status -> stored_status: the column holds what was written, not the status a
transfer has (that one is derived: Transfer.status, Transfer.objects.in_status)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("settlements", "0004_partial_original_index"),
    ]

    operations = [
        migrations.RenameField(model_name="transfer", old_name="status", new_name="stored_status"),
        migrations.RenameField(
            model_name="historicaltransfer", old_name="status", new_name="stored_status"
        ),
        migrations.AlterField(
            model_name="transfer",
            name="stored_status",
            field=models.CharField(
                choices=[
                    ("SCHEDULED", "정산 예정"),
                    ("IN_PROCESS", "정산 중"),
                    ("SETTLED", "정산 확정"),
                    ("PAYOUT_CONFIRMED", "지급 확정"),
                    ("IN_PAYOUT", "지급 중"),
                    ("PAID_OUT", "지급 완료"),
                ],
                max_length=16,
                verbose_name="저장된 상태",
            ),
        ),
        migrations.AlterField(
            model_name="historicaltransfer",
            name="stored_status",
            field=models.CharField(
                choices=[
                    ("SCHEDULED", "정산 예정"),
                    ("IN_PROCESS", "정산 중"),
                    ("SETTLED", "정산 확정"),
                    ("PAYOUT_CONFIRMED", "지급 확정"),
                    ("IN_PAYOUT", "지급 중"),
                    ("PAID_OUT", "지급 완료"),
                ],
                max_length=16,
                verbose_name="저장된 상태",
            ),
        ),
        # The index on (status, settlement_date) follows the column rename in the database; only
        # the migration state has to learn the new field name (no rebuild of a large index).
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(model_name="transfer", name="transfer_status_date_idx"),
                migrations.AddIndex(
                    model_name="transfer",
                    index=models.Index(
                        fields=["stored_status", "settlement_date"],
                        name="transfer_status_date_idx",
                    ),
                ),
            ],
        ),
    ]
