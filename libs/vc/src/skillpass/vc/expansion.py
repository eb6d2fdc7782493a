"""Fast JSON-LD expansion for credentials, on the active contexts that pyld processes.

This follows the JSON-LD 1.1 expansion algorithm as pyld implements it (same key order, same
context reverting rules for type-scoped contexts, same value expansion) for the constructs that
credentials use: node and value objects, ``@id``, ``@type``, type-scoped, property-scoped and
embedded contexts, ``@set`` containers, typed and language-tagged values. Anything else
(``@list``, ``@graph``, ``@reverse``, ``@nest``, ``@included``, index/language/id/type maps,
``@json`` literals, input that pyld would reject) raises :class:`Unsupported` and the caller falls
back to pyld's own expansion, which is also the reference in the differential tests.

Speed comes from caching, per active context (contexts are immutable and memoized by
:class:`~skillpass.vc.jsonld.MemoizedProcessor`): the expansion of each term and type name, and
each term's definition reduced to the few fields expansion reads.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any, Final

from pyld.jsonld import KEYWORDS

from skillpass.vc.jsonld import MemoizedProcessor

_ABSOLUTE_IRI: Final = re.compile(r"^([A-Za-z][A-Za-z0-9+\-.]*|_):[^\s]*$")
_KEYWORD_LIKE: Final = re.compile(r"^@[a-zA-Z]+$")
# containers the fast path handles like no container at all (``@set`` is a no-op in expansion)
_PLAIN_CONTAINERS: Final = (None, [], ["@set"], "@set")
_UNSET: Final = object()


class Unsupported(Exception):  # noqa: N818 - a signal, not an error for callers
    """The document uses a construct the fast path leaves to pyld."""


class _Term:
    __slots__ = ("container_ok", "iri", "is_list", "language", "scoped", "type_")

    def __init__(self, iri: str | None, mapping: Mapping[str, Any] | None, ctx: Mapping[str, Any]):
        self.iri = iri
        if mapping is None:
            self.type_: Any = None
            self.scoped: Any = None
            self.container_ok = True
            self.is_list = False
            self.language: tuple[Any, Any] = (ctx.get("@language"), ctx.get("@direction"))
            return
        if mapping.get("reverse") or "@nest" in mapping or "@index" in mapping:
            raise Unsupported("reverse, nested or indexed term")
        self.type_ = mapping.get("@type")
        self.scoped = mapping.get("@context")
        container = mapping.get("@container")
        self.is_list = container == ["@list"] or container == "@list"
        self.container_ok = self.is_list or container in _PLAIN_CONTAINERS
        self.language = (
            mapping["@language"] if "@language" in mapping else ctx.get("@language"),
            mapping["@direction"] if "@direction" in mapping else ctx.get("@direction"),
        )


class _Active:
    """One active context with its expansion caches."""

    __slots__ = ("ctx", "mappings", "previous", "terms", "type_iris", "vocab_iris")

    def __init__(self, ctx: Mapping[str, Any]) -> None:
        self.ctx = ctx
        self.mappings: Mapping[str, Any] = ctx["mappings"]
        self.previous: Mapping[str, Any] | None = ctx.get("previousContext")
        self.vocab_iris: dict[str, Any] = {}
        self.type_iris: dict[str, Any] = {}
        self.terms: dict[str, _Term] = {}


class FastExpander:
    """Expands documents like ``pyld.jsonld.expand`` (see module doc) using ``processor``'s
    memoized contexts. Not thread-safe; one per loader (see :func:`expander_for`)."""

    def __init__(self, processor: MemoizedProcessor) -> None:
        self.proc = processor
        self._actives: dict[int, _Active] = {}

    # -- contexts ---------------------------------------------------------------------------
    def _active(self, ctx: Mapping[str, Any]) -> _Active:
        a = self._actives.get(id(ctx))
        if a is None or a.ctx is not ctx:
            if len(self._actives) > 50_000:
                self._actives.clear()
            a = _Active(ctx)
            self._actives[id(ctx)] = a  # the _Active holds ctx, so its id stays unique
        return a

    def _process(self, a: _Active, local: Any, **kw: bool) -> _Active:
        return self._active(self.proc.context_for(a.ctx, local, **kw))

    # -- IRIs -------------------------------------------------------------------------------
    def _vocab(self, a: _Active, key: str) -> Any:
        try:
            return a.vocab_iris[key]
        except KeyError:
            iri = self.proc._expand_iri(a.ctx, key, vocab=True)
            a.vocab_iris[key] = iri
            return iri

    def _type_iri(self, a: _Active, value: str) -> Any:
        try:
            return a.type_iris[value]
        except KeyError:
            iri = self.proc._expand_iri(a.ctx, value, vocab=True, base="")
            a.type_iris[value] = iri
            return iri

    def _id_iri(self, a: _Active, value: str) -> Any:
        colon = value.find(":")
        if colon > 0 and value[0] != "@":
            prefix = value[:colon]
            suffix = value[colon + 1 :]
            if prefix == "_" or suffix.startswith("//"):
                return value
            mapping = a.mappings.get(prefix)
            if mapping and mapping["_prefix"]:
                return mapping["@id"] + suffix
            if _ABSOLUTE_IRI.match(value):
                return value
        return self.proc._expand_iri(a.ctx, value, base="")

    def _term(self, a: _Active, key: str) -> _Term:
        t = a.terms.get(key)
        if t is None:
            t = _Term(self._vocab(a, key), a.mappings.get(key), a.ctx)
            a.terms[key] = t
        return t

    # -- expansion --------------------------------------------------------------------------
    def expand(self, document: Mapping[str, Any], dropped: list[str] | None = None) -> list[Any]:
        """The expanded form of ``document``; names of dropped (undefined) terms are appended
        to ``dropped``. Raises :class:`Unsupported` (use pyld) or pyld's errors."""
        out = self._element(self._active(self.proc.initial), None, None, document, False, dropped)
        if isinstance(out, dict) and len(out) == 1 and "@graph" in out:
            raise Unsupported("top-level @graph")
        if out is None:
            return []
        return out if isinstance(out, list) else [out]

    def _element(
        self,
        a: _Active,
        prop: str | None,
        prop_term: _Term | None,
        element: Any,
        inside_list: bool,
        dropped: list[str] | None,
    ) -> Any:
        if element is None:
            return None
        if isinstance(element, list):
            if prop_term is not None:
                if not prop_term.container_ok:
                    raise Unsupported("container")
                inside_list = inside_list or prop_term.is_list
            rval: list[Any] = []
            for e in element:
                v = self._element(a, prop, prop_term, e, inside_list, dropped)
                if v is None:
                    continue
                if isinstance(v, list):
                    if inside_list:
                        raise Unsupported("list of lists")
                    rval.extend(v)
                else:
                    rval.append(v)
            return rval
        if not isinstance(element, dict):
            if prop is None:
                return None
            return self._value(a, prop, prop_term, element)
        return self._node(a, prop, prop_term, element, inside_list, dropped)

    def _value(self, a: _Active, prop: str, term: _Term | None, value: Any) -> Any:
        iri = term.iri if term is not None else self._vocab(a, prop)
        if iri == "@graph" or iri == "@id" or iri == "@type" or (iri and iri[0] == "@"):
            raise Unsupported("keyword-valued scalar")
        if term is None:
            term = self._term(a, prop)
        type_ = term.type_
        if isinstance(value, str):
            if type_ == "@id":
                return {"@id": self._id_iri(a, value)}
            if type_ == "@vocab":
                return {"@id": self._type_iri(a, value)}
        if type_ == "@json":
            raise Unsupported("@json")
        if type_ is not None and type_ != "@id" and type_ != "@vocab" and type_ != "@none":
            return {"@type": type_, "@value": value}
        if isinstance(value, str):
            language, direction = term.language
            if language is not None or direction is not None:
                rv: dict[str, Any] = {}
                if language is not None:
                    rv["@language"] = language
                if direction is not None:
                    rv["@direction"] = direction
                rv["@value"] = value
                return rv
            return {"@value": value}
        if isinstance(value, bool | int | float):
            return {"@value": value}
        raise Unsupported("non-JSON scalar")

    def _node(
        self,
        a: _Active,
        prop: str | None,
        prop_term: _Term | None,
        element: dict[str, Any],
        inside_list: bool,
        dropped: list[str] | None,
    ) -> Any:
        expanded_prop = prop_term.iri if prop_term is not None else None
        if expanded_prop is not None and expanded_prop[0] == "@":
            raise Unsupported("keyword-valued object")
        property_scoped = prop_term.scoped if prop_term is not None else None

        # revert a type-scoped context unless this is a value object or a bare reference
        if a.previous is not None:
            must_revert = True
            if len(element) <= 2 and "@context" not in element:
                for key in sorted(element):
                    k = self._vocab(a, key)
                    if k == "@value":
                        must_revert = False
                        break
                    if k == "@id" and len(element) == 1:
                        must_revert = False
                        break
            if must_revert:
                a = self._active(a.previous)
        if property_scoped is not None:
            a = self._process(a, property_scoped, override_protected=True)
        if "@context" in element:
            local = element["@context"]
            if isinstance(local, dict) and "@context" in local:
                raise Unsupported("nested @context")
            if not isinstance(local, str):
                # pyld keeps references into inline contexts; give it a private copy
                local = copy.deepcopy(local)
            a = self._process(a, local)

        type_scoped = a
        keys = sorted(element)
        type_key = None
        for key in keys:
            if self._vocab(a, key) != "@type":
                continue
            type_key = type_key or key
            value = element[key]
            for t in sorted(v for v in (value if isinstance(value, list) else [value]) if isinstance(v, str)):
                mapping = type_scoped.mappings.get(t)
                scoped = mapping.get("@context") if mapping else None
                if scoped is not None and scoped is not False:
                    a = self._process(a, scoped, propagate=False)

        out: dict[str, Any] = {}
        type_was_list = False
        for key in keys:
            if key == "@context":
                continue
            value = element[key]
            term = self._term(a, key)
            ep = term.iri
            if ep is None or (ep[0] == "@" and ep not in _KEYWORDS) or (
                ep[0] != "@" and not _ABSOLUTE_IRI.match(ep)
            ):
                if dropped is not None:
                    dropped.append(key)
                continue
            if ep[0] == "@":
                if ep in out and ep != "@type":
                    raise Unsupported("colliding keywords")
                if ep == "@id":
                    if not isinstance(value, str):
                        raise Unsupported("@id not a string")
                    out["@id"] = self._id_iri(a, value)
                elif ep == "@type":
                    values = value if isinstance(value, list) else [value]
                    if not all(isinstance(v, str) for v in values):
                        raise Unsupported("@type not strings")
                    types = [self._type_iri(type_scoped, v) for v in values]
                    if dropped is not None:
                        dropped.extend(
                            v for v, t in zip(values, types, strict=True)
                            if t is None or not _ABSOLUTE_IRI.match(t)
                        )
                    if isinstance(value, list):
                        type_was_list = True
                    if not types:
                        continue
                    prev = out.get("@type")
                    if prev is None:
                        out["@type"] = types[0] if len(types) == 1 else types
                    else:
                        out["@type"] = (prev if isinstance(prev, list) else [prev]) + types
                elif ep == "@value":
                    if isinstance(value, dict | list):
                        raise Unsupported("@value object")
                    out["@value"] = value
                elif ep == "@language":
                    if value is None:
                        continue
                    if not isinstance(value, str):
                        raise Unsupported("@language")
                    out["@language"] = value.lower()
                elif ep == "@direction":
                    if value not in ("ltr", "rtl"):
                        raise Unsupported("@direction")
                    out["@direction"] = value
                else:
                    raise Unsupported(ep)
                continue
            if not term.container_ok:
                raise Unsupported("container")
            if term.type_ == "@json":
                raise Unsupported("@json")
            term_a = a
            if term.scoped is not None:
                term_a = self._process(a, term.scoped, override_protected=True)
            expanded = self._element(term_a, key, self._term(term_a, key) if term_a is not a else term, value, False, dropped)
            if expanded is None:
                continue
            if term.is_list:
                expanded = {"@list": expanded if isinstance(expanded, list) else [expanded]}
            existing = out.get(ep)
            if existing is None:
                out[ep] = expanded if isinstance(expanded, list) else [expanded]
            elif isinstance(expanded, list):
                existing.extend(expanded)
            else:
                existing.append(expanded)

        count = len(out)
        if "@value" in out:
            extra = count - 1 - ("@type" in out) - ("@language" in out) - ("@direction" in out)
            if extra or ("@type" in out and ("@language" in out or "@direction" in out)):
                raise Unsupported("invalid value object")
            if "@type" in out:
                t = out["@type"]
                if type_was_list or not isinstance(t, str) or not _ABSOLUTE_IRI.match(t) or t.startswith("_:"):
                    raise Unsupported("typed value")
            if out["@value"] is None:
                return None
            if "@language" in out and not isinstance(out["@value"], str):
                raise Unsupported("language-tagged non-string")
        elif "@type" in out:
            if not isinstance(out["@type"], list):
                out["@type"] = [out["@type"]]
        elif count == 1 and "@language" in out:
            return None
        elif "@language" in out or "@direction" in out:
            raise Unsupported("stray @language")
        if not inside_list and prop is None and (
            count == 0 or "@value" in out or (count == 1 and "@id" in out)
        ):
            return None
        return out


_KEYWORDS: Final = frozenset(KEYWORDS)
