"""`manage.py rotate_encryption_key`: every encrypted value re-encrypted under the first key of
FIELD_ENCRYPTION_KEY, blind indexes rebuilt under it (docs/security.md#encryption-keys).

Found by what the models declare, so a new encrypted column needs no change here:

* every concrete field with `encrypted = True` (core.crypto's fields), in every model, history
  tables (django-simple-history) included; a `<field>_index` column beside one is its blind index;
* the `terms` / `changes` JSON of version tables (core.versioning), whose encrypted entries are
  the entity's encrypted fields.

Batches of `--batch-size` rows by primary key, each in its own transaction with its rows locked,
so the web server keeps writing meanwhile. Idempotent: values already under the first key with a
current index are left alone, and a second run changes nothing. A value no configured key opens
stops the run with its table, row and column (the rows before it are done; run again once the
key is back in the list).
"""

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from core import crypto
from core.versioning.models import VersionBase

VERSION_COLUMNS = ("terms", "changes")


class _Unreadable(Exception):
    pass


def encrypted_tables() -> list[tuple[type, list, dict]]:
    """(model, encrypted fields, {encrypted field name: its blind-index field}) per model."""
    found = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        fields = [f for f in model._meta.concrete_fields if getattr(f, "encrypted", False)]
        if not fields:
            continue
        by_name = {f.name: f for f in model._meta.concrete_fields}
        indexes = {
            f.name: by_name[f"{f.name}_index"] for f in fields if f"{f.name}_index" in by_name
        }
        found.append((model, fields, indexes))
    return sorted(found, key=lambda item: item[0]._meta.db_table)


def version_tables() -> list[tuple[type, list[str]]]:
    """(version model, names of the entity's encrypted fields) per version table."""
    found = []
    for model in apps.get_models():
        if not issubclass(model, VersionBase):
            continue
        entity = model._meta.get_field("entity").related_model
        names = [f.name for f in entity._meta.concrete_fields if getattr(f, "encrypted", False)]
        if names:
            found.append((model, names))
    return sorted(found, key=lambda item: item[0]._meta.db_table)


def _open(token: bytes) -> bytes:
    try:
        return crypto.decrypt_bytes(token)
    except crypto.UnreadableData:
        raise _Unreadable from None


class Command(BaseCommand):
    help = (
        "FIELD_ENCRYPTION_KEY의 첫 키로 암호화된 모든 열(이력·버전 테이블 포함)을 다시 "
        "암호화하고 검색용 인덱스를 다시 만듭니다. 여러 번 실행해도 안전합니다."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500, help="한 트랜잭션의 행 수")

    def handle(self, *args, batch_size: int, **options):
        if batch_size < 1:
            raise CommandError("--batch-size는 1 이상이어야 합니다.")
        crypto.reset_keys()
        keys = len(crypto._keys())
        self.stdout.write(f"키 {keys}개: 첫 키로 다시 암호화하고 나머지는 읽기에만 씁니다.")
        total_changed = 0
        for model, fields, indexes in encrypted_tables():
            rows, changed = self._rotate_columns(model, fields, indexes, batch_size)
            total_changed += changed
            self.stdout.write(f"{model._meta.db_table}: {rows}행 중 {changed}행 다시 암호화")
        for model, names in version_tables():
            rows, changed = self._rotate_versions(model, names, batch_size)
            total_changed += changed
            self.stdout.write(f"{model._meta.db_table}: {rows}행 중 {changed}행 다시 암호화")
        self.stdout.write(
            self.style.SUCCESS(
                f"완료: {total_changed}행을 다시 암호화했습니다. 업로드 대기 파일과 작업 "
                "파일(VAR_DIR)이 만료된 뒤(최대 24시간) 이전 키를 FIELD_ENCRYPTION_KEY에서 "
                "빼도 됩니다."
            )
        )

    def _rotate_columns(self, model, fields, indexes, batch_size) -> tuple[int, int]:
        quote = connection.ops.quote_name
        table = quote(model._meta.db_table)
        pk = model._meta.pk.column
        indexed = [f.name for f in fields if f.name in indexes]
        index_fields = [indexes[name] for name in indexed]
        columns = [f.column for f in fields] + [f.column for f in index_fields]
        select = ", ".join(quote(c) for c in [pk, *columns])
        assign = ", ".join(f"{quote(c)} = %s" for c in columns)
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        rows = changed = 0
        last = None
        while True:
            with transaction.atomic(), connection.cursor() as cursor:
                where = "" if last is None else f" WHERE {quote(pk)} > %s"
                cursor.execute(
                    f"SELECT {select} FROM {table}{where} ORDER BY {quote(pk)} LIMIT %s{lock}",
                    ([] if last is None else [last]) + [batch_size],
                )
                batch = cursor.fetchall()
                updates = []
                for row in batch:
                    try:
                        new = self._rotate_row(row[1:], fields, indexed)
                    except _Unreadable as exc:
                        raise CommandError(
                            f"{model._meta.db_table} {pk}={row[0]} {exc.args[0]}: "
                            "FIELD_ENCRYPTION_KEY의 어느 키로도 열리지 않습니다. 이 값을 쓴 "
                            "키를 목록 끝에 넣고 다시 실행하세요."
                        ) from None
                    if new is not None:
                        updates.append([*new, row[0]])
                if updates:
                    cursor.executemany(
                        f"UPDATE {table} SET {assign} WHERE {quote(pk)} = %s", updates
                    )
            if not batch:
                return rows, changed
            rows += len(batch)
            changed += len(updates)
            last = batch[-1][0]

    def _rotate_row(self, values, fields, indexed) -> list | None:
        """The row's new column values (encrypted columns, then the blind indexes of `indexed`),
        or None when the row is current already."""
        stored = list(values)
        out = list(stored)
        for i, field in enumerate(fields):
            value = stored[i]
            binary = isinstance(value, bytes | bytearray | memoryview)
            token = bytes(value) if binary else (value or "").encode()
            plain = None
            if token:
                try:
                    plain = _open(token)
                except _Unreadable:
                    raise _Unreadable(field.column) from None
                if not crypto.is_current(token):
                    sealed = crypto.encrypt_bytes(plain)
                    out[i] = sealed if binary else sealed.decode()
            if field.name in indexed:
                text = plain.decode() if plain else ""
                out[len(fields) + indexed.index(field.name)] = (
                    crypto.blind_index(text) if text else ""
                )
        return None if out == stored else out

    def _rotate_versions(self, model, names, batch_size) -> tuple[int, int]:
        rows = changed = 0
        last = 0
        while True:
            with transaction.atomic():
                batch = list(
                    model.objects.select_for_update()
                    .filter(pk__gt=last)
                    .order_by("pk")
                    .only("pk", *VERSION_COLUMNS)[:batch_size]
                )
                for version in batch:
                    dirty = {}
                    for column in VERSION_COLUMNS:
                        data = getattr(version, column)
                        if not isinstance(data, dict):
                            continue
                        new = dict(data)
                        for name in names:
                            token = data.get(name)
                            if not isinstance(token, str) or not token:
                                continue
                            try:
                                plain = _open(token.encode())
                            except _Unreadable:
                                raise CommandError(
                                    f"{model._meta.db_table} id={version.pk} {column}.{name}: "
                                    "FIELD_ENCRYPTION_KEY의 어느 키로도 열리지 않습니다. 이 값을 "
                                    "쓴 키를 목록 끝에 넣고 다시 실행하세요."
                                ) from None
                            if not crypto.is_current(token.encode()):
                                new[name] = crypto.encrypt_bytes(plain).decode()
                        if new != data:
                            dirty[column] = new
                    if dirty:
                        model.objects.filter(pk=version.pk).update(**dirty)
                        changed += 1
            if not batch:
                return rows, changed
            rows += len(batch)
            last = batch[-1].pk
