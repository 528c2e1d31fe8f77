"""Uploaded files kept server-side between an admin preview and its confirm.

The page never carries the data: a random token in the session names a file under VAR_DIR
(shared storage when several web servers run). The file is stored encrypted (core.crypto): an
upload of partners holds account numbers and birth dates. Taking it is an atomic rename, so of
two confirms racing (a double click) exactly one gets the payload; it is deleted after reading.
Stale files are pruned after a day.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from core.crypto import decrypt_bytes, encrypt_bytes

TTL_SECONDS = 24 * 3600
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")


@dataclass(frozen=True)
class StagedUpload:
    data: bytes
    filename: str
    is_for_test: bool


class UploadStage:
    def __init__(self, directory: str, session_key: str) -> None:
        self.directory = directory
        self.session_key = session_key

    def _dir(self) -> Path:
        path = Path(settings.VAR_DIR) / self.directory
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        return path

    def _path(self, token: str) -> Path:
        if not _TOKEN.match(token):
            raise ValueError("bad upload token")
        return self._dir() / f"{token}.bin"

    def _prune(self) -> None:
        cutoff = time.time() - TTL_SECONDS
        for stale in self._dir().iterdir():
            try:
                if stale.stat().st_mtime < cutoff:
                    stale.unlink()
            except FileNotFoundError:
                pass

    def discard(self, request) -> None:
        pending = request.session.pop(self.session_key, None)
        if isinstance(pending, dict):
            self._path(pending["token"]).unlink(missing_ok=True)

    def put_upload(self, request, upload: StagedUpload) -> str:
        """Keep an uploaded file (with its name and mode) for this session; see `put`."""
        header = json.dumps({"filename": upload.filename, "is_for_test": upload.is_for_test})
        return self.put(request, header.encode() + b"\n" + upload.data)

    def take_upload(self, request, check: str | None = None) -> StagedUpload | None:
        payload = self.take(request, check)
        if payload is None:
            return None
        header, _, data = payload.partition(b"\n")
        meta = json.loads(header)
        return StagedUpload(data=data, filename=meta["filename"], is_for_test=meta["is_for_test"])

    def put(self, request, payload: bytes) -> str:
        """Keep `payload` for this session (replacing an earlier one); return a check value.

        The check is not a secret (the token is): a confirm form may echo it so that "confirm
        this upload" differs from "confirm whatever this session uploaded last" (another tab).
        """
        self.discard(request)
        self._prune()
        token, check = secrets.token_urlsafe(32), secrets.token_hex(8)
        self._path(token).write_bytes(encrypt_bytes(payload))
        request.session[self.session_key] = {"token": token, "check": check}
        return check

    def take(self, request, check: str | None = None) -> bytes | None:
        """The payload, once; None when there is none, it was taken, or `check` differs."""
        pending = request.session.get(self.session_key)
        if not isinstance(pending, dict):
            return None
        if check is not None and not secrets.compare_digest(pending["check"], check):
            return None
        del request.session[self.session_key]
        stored = self._path(pending["token"])
        claimed = stored.with_suffix(".claimed")
        try:
            stored.rename(claimed)
        except FileNotFoundError:
            return None
        try:
            return decrypt_bytes(claimed.read_bytes())
        finally:
            claimed.unlink(missing_ok=True)
