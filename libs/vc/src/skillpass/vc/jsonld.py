"""JSON-LD processing over an offline loader: pyld as the reference processor, with context
processing memoized so that each (active context, local context) pair is processed once.

pyld re-processes every type-scoped and property-scoped context each time a node uses it, and
canonicalises each inline context to build its cache key; for an OB 3.0 credential that is ~80 %
of expansion time (DESIGN.md, "Performance notes"). :class:`MemoizedProcessor` keys processed
contexts by the identity of the active context (processed contexts are immutable and retained by
the memo, so identities are stable) and by the local context: its URL(s), the identity of a scoped
context taken from a term definition, or its JSON text for a context inlined in a document.

The fast expansion path in :mod:`skillpass.vc.expansion` reads the active contexts produced here.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping
from typing import Any
from weakref import WeakKeyDictionary

from pyld import jsonld as pyld_jsonld
from pyld.context_resolver import ContextResolver

from skillpass.vc.loader import DocumentLoader, UnknownContext

JsonLdError = pyld_jsonld.JsonLdError

_MEMO_LIMIT = 20_000  # processed-context entries kept per loader before the memo starts over


class ContextError(ValueError):
    """A context could not be loaded or processed (unknown URL, invalid context)."""

    def __init__(self, message: str, *, url: str | None = None) -> None:
        super().__init__(message)
        self.url = url


def _unknown_url(exc: BaseException) -> str | None:
    cur: BaseException | None = exc
    while cur is not None:
        if isinstance(cur, UnknownContext):
            return cur.url
        cur = cur.__cause__ or cur.__context__
    return None


def context_error(exc: BaseException) -> ContextError:
    """Translate a pyld error (or an :class:`UnknownContext` under it) into a ContextError."""
    url = _unknown_url(exc)
    if url is not None:
        return ContextError(f"unknown JSON-LD context {url!r}", url=url)
    code = getattr(exc, "code", None)
    return ContextError(f"JSON-LD error: {code or exc}")


class _LruDict(dict[str, Any]):
    """The minimal mapping pyld's ContextResolver needs as its cache (never evicts: the set of
    context URLs a loader serves is small and fixed)."""


def _json_key(local_ctx: Any) -> tuple[str, str]:
    return ("json", json.dumps(local_ctx, sort_keys=True, default=dict))


class MemoizedProcessor(pyld_jsonld.JsonLdProcessor):  # type: ignore[misc]
    """pyld's processor with memoized context processing and IRI expansion."""

    def __init__(self, loader: DocumentLoader) -> None:
        super().__init__()
        self.loader = loader
        self._memo: dict[tuple[Any, ...], tuple[Any, Any, Any]] = {}
        self._iri_memo: dict[tuple[Any, ...], tuple[Any, Any]] = {}
        self._stable: dict[int, Any] = {}
        self.options: dict[str, Any] = {
            "documentLoader": self._pyld_loader,
            "contextResolver": ContextResolver(_LruDict(), self._pyld_loader),
            "base": "",
            "processingMode": "json-ld-1.1",
            "isFrame": False,
            "keepFreeFloatingNodes": False,
            "extractAllScripts": False,
        }
        self.initial = self._get_initial_context(self.options)

    def _pyld_loader(self, url: str, options: Any = None) -> dict[str, Any]:
        document = copy.deepcopy(dict(self.loader(url)))  # pyld may edit what it is given
        return {"contextUrl": None, "documentUrl": url, "document": document}

    def _process_context(
        self,
        active_ctx: Any,
        local_ctx: Any,
        options: Any,
        override_protected: bool = False,
        propagate: bool = True,
        validate_scoped: bool = True,
        cycles: Any = None,
    ) -> Any:
        if cycles:  # validation of scoped contexts inside context processing: not memoized
            return super()._process_context(
                active_ctx,
                local_ctx,
                options,
                override_protected,
                propagate,
                validate_scoped,
                cycles,
            )
        key = (
            id(active_ctx),
            self._local_key(local_ctx),
            override_protected,
            propagate,
            validate_scoped,
        )
        hit = self._memo.get(key)
        if hit is not None:
            return hit[2]
        result = super()._process_context(
            active_ctx, local_ctx, options, override_protected, propagate, validate_scoped, cycles
        )
        if len(self._memo) >= _MEMO_LIMIT:
            self._memo.clear()
            self._iri_memo.clear()
            self._stable.clear()
        self._memo[key] = (active_ctx, local_ctx, result)
        for mapping in result["mappings"].values():
            scoped = mapping.get("@context") if mapping else None
            if isinstance(scoped, dict):
                self._stable[id(scoped)] = scoped
        return result

    def _local_key(self, local_ctx: Any) -> Any:
        if isinstance(local_ctx, str):
            return local_ctx
        if local_ctx is None or local_ctx is False:
            return ("null",)
        if isinstance(local_ctx, list):
            if all(isinstance(c, str) for c in local_ctx):
                return tuple(local_ctx)
            return _json_key(local_ctx)
        # A scoped context held by a term definition of a processed context: a private,
        # never-mutated object kept alive by ``_stable``, so its identity is a sound key (and
        # avoids serialising it on every use, pyld's main cost). Anything else: its JSON text.
        if self._stable.get(id(local_ctx)) is local_ctx:
            return ("id", id(local_ctx))
        return _json_key(local_ctx)

    def _expand_iri(
        self,
        active_ctx: Any,
        value: Any,
        base: Any = None,
        vocab: bool = False,
        local_ctx: Any = None,
        defined: Any = None,
    ) -> Any:
        if local_ctx is not None or defined is not None or not isinstance(value, str):
            return super()._expand_iri(active_ctx, value, base, vocab, local_ctx, defined)
        key = (id(active_ctx), value, base, vocab)
        hit = self._iri_memo.get(key)
        if hit is not None:
            return hit[1]
        result = super()._expand_iri(active_ctx, value, base, vocab)
        if "_uuid" in active_ctx and isinstance(active_ctx, Mapping) and _frozen(active_ctx):
            if len(self._iri_memo) >= _MEMO_LIMIT:
                self._iri_memo.clear()
            self._iri_memo[key] = (active_ctx, result)
        return result

    def context_for(
        self,
        active_ctx: Any,
        local_ctx: Any,
        *,
        propagate: bool = True,
        override_protected: bool = False,
    ) -> Any:
        """The active context after processing ``local_ctx`` on ``active_ctx`` (memoized)."""
        return self._process_context(
            active_ctx,
            local_ctx,
            self.options,
            override_protected=override_protected,
            propagate=propagate,
        )

    def expand_document(
        self, document: Mapping[str, Any], on_dropped: Callable[[str | None], Any] | None = None
    ) -> list[Any]:
        """Full JSON-LD expansion by pyld (with the memoized contexts). Raises ContextError."""
        self.on_property_dropped = on_dropped or pyld_jsonld.noop
        try:
            expanded: list[Any] = self.expand(dict(document), dict(self.options))
        except JsonLdError as exc:
            raise context_error(exc) from None
        finally:
            self.on_property_dropped = pyld_jsonld.noop
        return expanded


def _frozen(ctx: Any) -> bool:
    return type(ctx) is not dict  # pyld freezes processed contexts (frozendict subclasses dict)


_PROCESSORS: WeakKeyDictionary[Any, MemoizedProcessor] = WeakKeyDictionary()


def processor_for(loader: DocumentLoader) -> MemoizedProcessor:
    """The (cached) processor of a loader: one memo per loader, so two loaders that serve
    different documents for a URL never share processed contexts."""
    proc = _PROCESSORS.get(loader)
    if proc is None:
        proc = MemoizedProcessor(loader)
        _PROCESSORS[loader] = proc
    return proc


def reference_normalize(document: Mapping[str, Any], *, loader: DocumentLoader) -> str:
    """RDFC-1.0 (URDNA2015) N-Quads by pyld alone, no memo: the reference for differential tests."""

    def pyld_loader(url: str, options: Any = None) -> dict[str, Any]:
        return {
            "contextUrl": None,
            "documentUrl": url,
            "document": copy.deepcopy(dict(loader(url))),
        }

    options = {
        "algorithm": "URDNA2015",
        "format": "application/n-quads",
        "documentLoader": pyld_loader,
        "contextResolver": ContextResolver(_LruDict(), pyld_loader),
    }
    try:
        out: str = pyld_jsonld.normalize(copy.deepcopy(dict(document)), options)
    except JsonLdError as exc:
        raise context_error(exc) from None
    return out
