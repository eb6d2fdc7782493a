"""The offline JSON-LD document loader over the bundled, pinned contexts.

``contexts/index.json`` maps each context URL to a file in ``contexts/`` (copied from
``shared/jsonld-contexts``, see ``contexts/SOURCES.md``). A URL that is not there is an
:class:`UnknownContext` error; nothing is ever fetched.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any, Protocol


class UnknownContext(LookupError):  # noqa: N818 - the name is the condition
    """A context URL the loader does not hold."""

    def __init__(self, url: str) -> None:
        super().__init__(f"unknown JSON-LD context {url!r} (only the bundled contexts are loaded)")
        self.url = url


class DocumentLoader(Protocol):
    """Port: the JSON document at ``url`` (a parsed context), or raise :class:`UnknownContext`.
    Returned documents are shared and must not be mutated."""

    def __call__(self, url: str) -> Mapping[str, Any]: ...


@cache
def _bundled_index() -> Mapping[str, str]:
    folder = resources.files("skillpass.vc") / "contexts"
    index: dict[str, str] = json.loads((folder / "index.json").read_text("utf-8"))
    return index


@cache
def _bundled_document(url: str) -> Mapping[str, Any]:
    name = _bundled_index().get(url)
    if name is None:
        raise UnknownContext(url)
    folder = resources.files("skillpass.vc") / "contexts"
    document: dict[str, Any] = json.loads((folder / name).read_text("utf-8"))
    return document


class BundledLoader:
    """Loads only the pinned contexts that ship with the package."""

    def __call__(self, url: str) -> Mapping[str, Any]:
        return _bundled_document(url)

    def urls(self) -> frozenset[str]:
        return frozenset(_bundled_index())

    def __repr__(self) -> str:
        return "BUNDLED"


class ExtendedLoader:
    """The bundled contexts plus extra documents given by the caller (e.g. a tenant's own
    pinned context), still offline."""

    def __init__(self, extra: Mapping[str, Mapping[str, Any]]) -> None:
        self._extra = dict(extra)

    def __call__(self, url: str) -> Mapping[str, Any]:
        doc = self._extra.get(url)
        return doc if doc is not None else _bundled_document(url)


BUNDLED = BundledLoader()
