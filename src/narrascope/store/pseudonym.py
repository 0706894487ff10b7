"""Keyed pseudonyms for individuals (authors, people forwarded from, people mentioned by name).

An author identity (display name, or user id where no name exists) becomes ``a_`` + 16 hex digits of
HMAC-SHA256(store key, platform + ":" + identity). Without the key a pseudonym cannot be reversed by
hashing candidate names; with the same key (exported from one store, imported into another) two stores give
the same person the same pseudonym. Channel names are public broadcasters and are never pseudonymised.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from ..errors import UsageError

__all__ = ["Pseudonymiser", "new_key", "parse_key", "write_secret"]

KEY_BYTES = 32


def new_key() -> str:
    return secrets.token_hex(KEY_BYTES)


def write_secret(path: Path, text: str) -> None:
    """Write ``text`` to a new file readable by its owner only from the moment it exists (mode 600 at creation,
    never a wider mode first). An existing file is not overwritten: it may be someone else's."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise UsageError(f"{path} already exists: choose a new file name (a key file is never overwritten)") from None
    except OSError as exc:
        raise UsageError(f"cannot create {path}: {exc.strerror or exc}") from None
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(text)


def parse_key(text: str) -> str:
    key = text.strip().lower()
    try:
        raw = bytes.fromhex(key)
    except ValueError:
        raw = b""
    if len(raw) != KEY_BYTES:
        raise UsageError(f"a pseudonym key is {KEY_BYTES * 2} hexadecimal digits (as written by `narrascope key export`)")
    return key


class Pseudonymiser:
    """Maps author identities to pseudonyms, caching within one ingest."""

    def __init__(self, key_hex: str, *, keep: bool = False) -> None:
        self._key = bytes.fromhex(key_hex)
        self._keep = keep
        self._cache: dict[tuple[str, str], str] = {}

    def __call__(self, platform: str, identity: str | None) -> str | None:
        """The pseudonym of ``identity`` (or the identity itself when names are kept); None for no identity."""
        if identity is None or identity == "":
            return None
        if self._keep:
            return identity
        return self.pseudonym(platform, identity)

    def pseudonym(self, platform: str, identity: str) -> str:
        """The keyed pseudonym, whatever the keep setting (to recognise pseudonyms already stored)."""
        key = (platform, identity)
        out = self._cache.get(key)
        if out is None:
            digest = hmac.new(self._key, f"{platform}:{identity}".encode(), hashlib.sha256).hexdigest()
            out = self._cache[key] = "a_" + digest[:16]
        return out
