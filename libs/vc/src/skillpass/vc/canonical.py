"""Canonical forms: RDFC-1.0 N-Quads of a JSON-LD document, and RFC 8785 JCS.

RDFC-1.0 path: expand (the fast expander in :mod:`skillpass.vc.expansion`, pyld when it declines),
then let pyoxigraph turn the *expanded* document into RDF and canonicalize it (RDFC-1.0) natively.
An expanded document has no ``@context``, so pyoxigraph needs no document loader. The result is
checked against pyld's URDNA2015 by the differential tests.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final
from weakref import WeakKeyDictionary

import pyoxigraph as ox
import rfc8785

from skillpass.vc.expansion import FastExpander, Unsupported
from skillpass.vc.jsonld import ContextError, JsonLdError, context_error, processor_for
from skillpass.vc.loader import DocumentLoader

_JSON_LD: Final = ox.RdfFormat.JSON_LD
_N_QUADS: Final = ox.RdfFormat.N_QUADS
_RDFC_1_0: Final = ox.CanonicalizationAlgorithm.RDFC_1_0


class UndefinedTerms(ValueError):  # noqa: N818 - the name is the condition
    """Safe mode: terms that do not expand to IRIs (they would be silently dropped)."""

    def __init__(self, terms: list[str]) -> None:
        names = ", ".join(sorted(set(terms)))
        super().__init__(f"undefined JSON-LD term(s) (not in any @context): {names}")
        self.terms = sorted(set(terms))


_EXPANDERS: WeakKeyDictionary[Any, FastExpander] = WeakKeyDictionary()


def _expander(loader: DocumentLoader) -> FastExpander:
    ex = _EXPANDERS.get(loader)
    if ex is None:
        ex = FastExpander(processor_for(loader))
        _EXPANDERS[loader] = ex
    return ex


def expand(
    document: Mapping[str, Any], *, loader: DocumentLoader, safe: bool = False
) -> list[Any]:
    """JSON-LD expansion with the bundled (or given) offline loader.

    ``safe``: raise :class:`UndefinedTerms` when a property or type does not expand to an
    absolute IRI. Raises :class:`ContextError` for an unknown or invalid context."""
    dropped: list[str] | None = [] if safe else None
    ex = _expander(loader)
    try:
        try:
            expanded = ex.expand(document, dropped)
        except Unsupported:
            dropped = [] if safe else None
            expanded = ex.proc.expand_document(
                document, on_dropped=None if dropped is None else _collector(dropped)
            )
            if dropped is not None:
                dropped.extend(_relative_types(expanded))
    except JsonLdError as exc:
        raise context_error(exc) from None
    except ContextError:
        raise
    except LookupError as exc:  # UnknownContext raised directly by the loader
        raise context_error(exc) from None
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
                found.extend(t for t in v if isinstance(t, str) and ":" not in t)
            elif k != "@value":
                found.extend(_relative_types(v))
    return found


def nquads_of_expanded(expanded: list[Any]) -> str:
    """RDFC-1.0 canonical N-Quads (sorted, newline-terminated) of an expanded document."""
    dataset = ox.Dataset(ox.parse(json.dumps(expanded), format=_JSON_LD))
    dataset.canonicalize(_RDFC_1_0)
    lines = ox.serialize(dataset, format=_N_QUADS).decode("utf-8").splitlines(keepends=True)
    lines.sort()
    return "".join(lines)


def rdfc(document: Mapping[str, Any], *, loader: DocumentLoader, safe: bool = False) -> str:
    """RDFC-1.0 canonical N-Quads of a JSON-LD document."""
    return nquads_of_expanded(expand(document, loader=loader, safe=safe))


def jcs(value: Any) -> bytes:
    """RFC 8785 JSON Canonicalization Scheme.

    Fast path: ``json.dumps`` with sorted keys produces exactly the JCS bytes when every number is
    an integer of magnitude < 2**53 and no key holds a character outside the Basic Multilingual
    Plane (JCS sorts keys by UTF-16 code units, Python by code points; they differ only there).
    Everything else goes to the ``rfc8785`` package. A test checks both agree."""
    if _plain(value):
        text = json.dumps(
            value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
        )
        try:
            return text.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: let rfc8785 decide
            pass
    return rfc8785.dumps(value)


_MAX_SAFE: Final = 2**53


def _plain(value: Any) -> bool:
    stack = [value]
    pop = stack.pop
    push = stack.extend
    while stack:
        v = pop()
        t = type(v)
        if t is str or t is bool or v is None:
            continue
        if t is dict:
            for k in v:
                if type(k) is not str or (not k.isascii() and max(k) > "\uffff"):
                    return False
            push(v.values())
        elif t is list:
            push(v)
        elif t is int:
            if not -_MAX_SAFE < v < _MAX_SAFE:
                return False
        else:
            return False  # floats (ES6 number formatting), tuples, mappings of other types …
    return True
