"""Personal data at rest (core.crypto): Fernet round trip and the blind index used for search."""

import hashlib
import hmac

from core import crypto


def test_blind_index_is_the_keyed_hash_of_the_digits_and_letters_only():
    expected = hmac.new(crypto._key(), b"110123456789", hashlib.sha256).hexdigest()

    assert crypto.blind_index("110123456789") == expected
    assert crypto.blind_index("110-123-456789") == expected
    assert crypto.blind_index(" 110 123 456789 ") == expected
    assert crypto.blind_index("110123456780") != expected
    assert crypto.blind_index("") == hmac.new(crypto._key(), b"", hashlib.sha256).hexdigest()


def test_encrypted_values_differ_each_time_and_decrypt_to_the_plaintext():
    first, second = crypto.encrypt("110123456789"), crypto.encrypt("110123456789")

    assert first != second, "a fresh IV per value: equal plaintexts do not show"
    assert crypto.decrypt(first) == crypto.decrypt(second) == "110123456789"
    assert "110123456789" not in first
