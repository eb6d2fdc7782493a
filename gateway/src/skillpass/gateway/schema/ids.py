"""Relay global ids: ``base64url("<Type>:<part>/<part>")``, parts percent-quoted, so a client can
refetch any object through ``node(id:)`` and ids of different types never collide."""

from __future__ import annotations

import base64
import binascii
from urllib.parse import quote, unquote


class InvalidGlobalId(ValueError):  # noqa: N818 - reads as the condition
    pass


def to_global_id(type_name: str, *parts: str) -> str:
    raw = f"{type_name}:" + "/".join(quote(part, safe="") for part in parts)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def from_global_id(global_id: str) -> tuple[str, tuple[str, ...]]:
    try:
        raw = base64.urlsafe_b64decode(global_id + "=" * (-len(global_id) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidGlobalId(f"{global_id!r} is not an id this API returned") from None
    type_name, sep, rest = raw.partition(":")
    if not sep or not type_name.isidentifier():
        raise InvalidGlobalId(f"{global_id!r} is not an id this API returned")
    return type_name, tuple(unquote(part) for part in rest.split("/"))


def decode_as(value: str, type_name: str, *, parts: int) -> tuple[str, ...] | None:
    """The parts of ``value`` when it is a global id of ``type_name``; else None (a caller may
    pass a service's own id instead)."""
    try:
        found, decoded = from_global_id(value)
    except InvalidGlobalId:
        return None
    return decoded if found == type_name and len(decoded) == parts else None
