"""Personal data at rest: Fernet-encrypted model fields, a keyed blind index for exact search,
and masking for lists and logs (docs/security.md).

Keys come from FIELD_ENCRYPTION_KEY: one urlsafe-base64 Fernet key, or a comma-separated list of
them for rotation. The first key encrypts and keys the blind index; every key in the list
decrypts (cryptography's MultiFernet). `manage.py rotate_encryption_key` re-encrypts the stored
data (and rebuilds the blind indexes) under the first key, after which the old keys can go.
settings.py requires the variable in a deployment and generates one under VAR_DIR otherwise.
"""

import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import models
from django.dispatch import receiver

KEY_SETTING = "FIELD_ENCRYPTION_KEY"
MAKE_KEY = (
    "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
)


def parse_keys(raw: str | bytes | list | tuple) -> tuple[bytes, ...]:
    """FIELD_ENCRYPTION_KEY as keys, newest first; a malformed one fails naming its position."""
    if isinstance(raw, bytes):
        raw = raw.decode()
    parts = raw.split(",") if isinstance(raw, str) else list(raw)
    keys = []
    for position, part in enumerate(parts, start=1):
        key = (part.decode() if isinstance(part, bytes) else str(part)).strip()
        try:
            Fernet(key)
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"{KEY_SETTING}: key {position} is not a Fernet key (32 bytes, urlsafe base64, "
                f"44 characters); make one with {MAKE_KEY}"
            ) from exc
        keys.append(key.encode())
    if not keys:
        raise ImproperlyConfigured(f"{KEY_SETTING} is empty; make a key with {MAKE_KEY}")
    return tuple(keys)


@cache
def _keys() -> tuple[bytes, ...]:
    return parse_keys(settings.FIELD_ENCRYPTION_KEY)


def _key() -> bytes:
    """The current key: encrypts new values and keys the blind index."""
    return _keys()[0]


@cache
def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key) for key in _keys()])


@cache
def _current() -> Fernet:
    return Fernet(_key())


@cache
def _index_mac() -> "hmac.HMAC":
    return hmac.new(_key(), digestmod=hashlib.sha256)


@cache
def _index_macs() -> tuple["hmac.HMAC", ...]:
    return tuple(hmac.new(key, digestmod=hashlib.sha256) for key in _keys())


def reset_keys() -> None:
    """Forget the cached keys (after FIELD_ENCRYPTION_KEY changed, e.g. in a test)."""
    for cached in (_keys, _fernet, _current, _index_mac, _index_macs):
        cached.cache_clear()


@receiver(setting_changed)
def _on_setting_changed(*, setting, **kwargs):
    if setting == KEY_SETTING:
        reset_keys()


class UnreadableData(ImproperlyConfigured):
    """A stored token that no configured key opens: the key it was written with is missing."""


def _unreadable() -> UnreadableData:
    return UnreadableData(
        f"개인정보를 복호화할 수 없습니다: {KEY_SETTING}에 없는 키로 암호화된 값입니다. "
        "이전 키를 목록 끝에 남겨 두고 `manage.py rotate_encryption_key`를 실행하세요 "
        f"(cannot decrypt personal data: its key is not in {KEY_SETTING})."
    )


def encrypt(value: str) -> str:
    return encrypt_bytes(value.encode()).decode()


def decrypt(token: str) -> str:
    return decrypt_bytes(token.encode()).decode()


def encrypt_bytes(data: bytes) -> bytes:
    return _fernet().encrypt(data)


def decrypt_bytes(token: bytes) -> bytes:
    try:
        return _fernet().decrypt(token)
    except InvalidToken as exc:
        raise _unreadable() from exc


def is_current(token: bytes) -> bool:
    """Whether the token is written under the current (first) key; checks the MAC only."""
    try:
        _current().extract_timestamp(token)
    except InvalidToken:
        return False
    return True


def blind_index(value: str) -> str:
    """Keyed hash of a normalised value: lets us find an exact account number without storing it.

    The keyed HMAC state is built once and copied per value (bulk imports hash 10^5 numbers).
    A column named `<field>_index` beside an encrypted `<field>` holds it; the rotation command
    rebuilds such columns under the new key."""
    mac = _index_mac().copy()
    mac.update(_normalised(value))
    return mac.hexdigest()


def blind_indexes(value: str) -> list[str]:
    """`value`'s blind index under every configured key, the current one first: what a lookup
    matches, so a row indexed under an older key is still found between a key change and the
    end of `rotate_encryption_key` (and a 예금주 조회 record, which keeps only its index, stays
    usable across a rotation)."""
    data = _normalised(value)
    out = []
    for base in _index_macs():
        mac = base.copy()
        mac.update(data)
        out.append(mac.hexdigest())
    return out


def _normalised(value: str) -> bytes:
    return (value if value.isalnum() else "".join(ch for ch in value if ch.isalnum())).encode()


def mask(value: str | None, visible: int = 4) -> str:
    """'110123456789' -> '********6789' (lists, logs, exports)."""
    if not value:
        return ""
    return "*" * max(len(value) - visible, 0) + value[-visible:]


class EncryptedCharField(models.TextField):
    """A string stored as a Fernet token. Python code sees plaintext; the database never does.

    Not searchable or orderable in SQL: pair it with a blind index or a last-4 column.
    """

    encrypted = True

    def from_db_value(self, value, expression, connection):
        return None if value is None else decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return None if value in (None, "") else encrypt(str(value))

    def encrypt_value(self, value):
        return None if value in (None, "") else encrypt(str(value))

    def decrypt_value(self, token):
        return None if token in (None, "") else decrypt(token)


class EncryptedBinaryField(models.BinaryField):
    """Bytes stored as a Fernet token (binary column); Python code sees the plain bytes."""

    encrypted = True

    def from_db_value(self, value, expression, connection):
        return None if value is None else decrypt_bytes(bytes(value))

    def get_db_prep_value(self, value, connection, prepared=False):
        if value is not None:
            value = encrypt_bytes(bytes(value))
        return super().get_db_prep_value(value, connection, prepared)

    def encrypt_value(self, value):
        return None if value is None else encrypt_bytes(bytes(value))

    def decrypt_value(self, token):
        return None if token is None else decrypt_bytes(bytes(token))
