"""Canonical forms: RDFC-1.0 N-Quads of a JSON-LD document, and RFC 8785 JCS.

RDFC-1.0: see :func:`rdfc`. Every path is checked against pyld's URDNA2015 by the differential
tests.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any, Final
from weakref import WeakKeyDictionary

import pyoxigraph as ox
import rfc8785

from skillpass.native import canonical_json, canonical_json_sha256
from skillpass.vc.jsonld import JsonLdError, context_error, processor_for
from skillpass.vc.jsonld_rdf import RdfEmitter, Unsupported
from skillpass.vc.loader import DocumentLoader
from skillpass.vc.rdf import canonicalize, nquads

_JSON_LD: Final = ox.RdfFormat.JSON_LD
_N_QUADS: Final = ox.RdfFormat.N_QUADS
_RDFC_1_0: Final = ox.CanonicalizationAlgorithm.RDFC_1_0
PYLD_DEFAULT_BASE: Final = "http://example.org/base/"


class UndefinedTerms(ValueError):  # noqa: N818 - the name is the condition
    """Safe mode: terms that do not expand to IRIs (they would be silently dropped)."""

    def __init__(self, terms: list[str]) -> None:
        names = ", ".join(sorted(set(terms)))
        super().__init__(f"undefined JSON-LD term(s) (not in any @context): {names}")
        self.terms = sorted(set(terms))


_EMITTERS: WeakKeyDictionary[Any, RdfEmitter] = WeakKeyDictionary()


def _emitter(loader: DocumentLoader) -> RdfEmitter:
    em = _EMITTERS.get(loader)
    if em is None:
        em = RdfEmitter(processor_for(loader))
        _EMITTERS[loader] = em
    return em


def expand(document: Mapping[str, Any], *, loader: DocumentLoader, safe: bool = False) -> list[Any]:
    """JSON-LD expansion (pyld, memoized contexts) with the offline loader.

    ``safe``: raise :class:`UndefinedTerms` when a property or type does not expand to an
    absolute IRI. Raises :class:`ContextError` for an unknown or invalid context."""
    dropped: list[str] | None = [] if safe else None
    try:
        expanded = processor_for(loader).expand_document(
            document, on_dropped=None if dropped is None else _collector(dropped)
        )
    except LookupError as exc:  # UnknownContext raised directly by the loader
        raise context_error(exc) from None
    if dropped is not None:
        dropped.extend(_relative_types(expanded))
        if dropped:
            raise UndefinedTerms(dropped)
    return expanded


def _collector(into: list[str]) -> Any:
    def collect(term: str | None) -> None:
        into.append(str(term))

    return collect


def _relative_types(node: Any) -> list[str]:
    found: list[str] = []
    if isinstance(node, list):
        for n in node:
            found.extend(_relative_types(n))
    elif isinstance(node, dict):
        for k, v in node.items():
            if k == "@type" and "@value" not in node:
                found.extend(t for t in v if isinstance(t, str) and _relative(t))
            elif k == "@id" and isinstance(v, str) and _relative(v):
                found.append(f"{v} (relative IRI)")
            elif k != "@value":
                found.extend(_relative_types(v))
    return found


def _relative(iri: str) -> bool:
    # pyld resolves relative IRIs against its default base rather than leaving them relative
    return ":" not in iri or iri.startswith(PYLD_DEFAULT_BASE)


def nquads_of_expanded(expanded: list[Any]) -> str:
    """RDFC-1.0 canonical N-Quads (sorted, newline-terminated) of an expanded document, by
    pyoxigraph (an expanded document has no contexts, so it needs no document loader)."""
    return _oxigraph_rdfc(ox.parse(json.dumps(expanded), format=_JSON_LD))


def rdfc(document: Mapping[str, Any], *, loader: DocumentLoader, safe: bool = False) -> str:
    """RDFC-1.0 canonical N-Quads of a JSON-LD document.

    Fast path: compact JSON-LD straight to quads (:mod:`skillpass.vc.jsonld_rdf`) and RDFC-1.0 in
    Python when first-degree hashes decide (:func:`skillpass.vc.rdf.canonicalize`), else
    pyoxigraph's RDFC-1.0 on those quads. General path, for what the fast one declines: pyld's
    expansion, then pyoxigraph. ``safe`` and errors as in :func:`expand`."""
    dropped: list[str] | None = [] if safe else None
    try:
        quads = _emitter(loader).quads(document, dropped)
    except Unsupported:
        return nquads_of_expanded(expand(document, loader=loader, safe=safe))
    except JsonLdError as exc:
        raise context_error(exc) from None
    except LookupError as exc:
        raise context_error(exc) from None
    if dropped:
        raise UndefinedTerms(dropped)
    out = canonicalize(quads)
    if out is None:
        out = _oxigraph_rdfc(ox.parse(nquads(quads), format=ox.RdfFormat.N_QUADS))
    return out


def _oxigraph_rdfc(quads: Any) -> str:
    dataset = ox.Dataset(quads)
    dataset.canonicalize(_RDFC_1_0)
    text = (ox.serialize(dataset, format=_N_QUADS) or b"").decode("utf-8")
    # split on "\n" only: literals may hold U+2028 and other characters splitlines() splits on
    lines = [line + "\n" for line in text.split("\n") if line]
    lines.sort()
    return "".join(lines)


def jcs(value: Any) -> bytes:
    """RFC 8785 JSON Canonicalization Scheme.

    ``skillpass.native.canonical_json`` writes plain JSON values (exact dict/list/str/int/float/
    bool/None, integers within ±(2**53 - 1)) in Rust; for anything else it returns None and the
    ``rfc8785`` package decides, raising ``rfc8785.CanonicalizationError`` (a ValueError) for what
    JCS cannot represent. ``libs/native/tests`` hold the two to the same bytes."""
    out = canonical_json(value)
    return out if out is not None else rfc8785.dumps(value)


def jcs_sha256(value: Any) -> bytes:
    """SHA-256 of :func:`jcs` (hashed in Rust with the bytes it writes: one call, no copy)."""
    digest = canonical_json_sha256(value)
    return digest if digest is not None else hashlib.sha256(rfc8785.dumps(value)).digest()
