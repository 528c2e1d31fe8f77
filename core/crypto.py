"""Personal data at rest: Fernet-encrypted model fields, a keyed blind index for exact search,
and masking for lists and logs.

The key is FIELD_ENCRYPTION_KEY (urlsafe base64, 32 bytes). Without it a key is derived from
SECRET_KEY so that a laptop needs no setup; production sets its own and backs it up, because data
encrypted under a lost key cannot be read again.
"""

import base64
import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


@cache
def _key() -> bytes:
    raw = settings.FIELD_ENCRYPTION_KEY
    if raw:
        try:
            if len(base64.urlsafe_b64decode(raw)) != 32:
                raise ValueError
        except ValueError as exc:
            raise ImproperlyConfigured(
                "FIELD_ENCRYPTION_KEY must be 32 bytes in urlsafe base64 "
                "(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key())')"
            ) from exc
        return raw.encode() if isinstance(raw, str) else raw
    digest = hashlib.sha256(b"field-encryption:" + settings.SECRET_KEY.encode()).digest()
    return base64.urlsafe_b64encode(digest)


@cache
def _fernet() -> Fernet:
    return Fernet(_key())


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
        raise ImproperlyConfigured(
            "cannot decrypt personal data: FIELD_ENCRYPTION_KEY differs from the one it was "
            "written with"
        ) from exc


@cache
def _index_mac() -> "hmac.HMAC":
    return hmac.new(_key(), digestmod=hashlib.sha256)


def blind_index(value: str) -> str:
    """Keyed hash of a normalised value: lets us find an exact account number without storing it.

    The keyed HMAC state is built once and copied per value (bulk imports hash 10^5 numbers)."""
    normalised = value if value.isalnum() else "".join(ch for ch in value if ch.isalnum())
    mac = _index_mac().copy()
    mac.update(normalised.encode())
    return mac.hexdigest()


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
