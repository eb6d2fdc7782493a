"""Compact JSON-LD straight to RDF quads, for the documents credentials are.

This is JSON-LD 1.1 expansion followed by "Deserialize JSON-LD to RDF", fused into one walk over
the compact document, on the active contexts that pyld processes (memoized by
:class:`~skillpass.vc.jsonld.MemoizedProcessor`). It follows pyld's expansion for the constructs
credentials use: node and value objects, ``@id``, ``@type``, type-scoped (non-propagating),
property-scoped and embedded contexts, ``@set`` and ``@list`` containers, typed and
language-tagged values. Anything else (``@graph``, ``@reverse``, ``@nest``, ``@included``,
index/language/id/type maps, ``@json`` literals, input pyld would reject) raises
:class:`Unsupported` and the caller uses pyld's expansion and pyoxigraph instead. The
differential tests hold the two paths to the same canonical N-Quads.

Speed comes from caching per active context (contexts are immutable and memoized): each key's
term reduced to what the walk reads (its kind, predicate term, coercion, scoped context), each
type name's IRI, and each scoped context's resulting active context.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any, Final

from pyld.jsonld import KEYWORDS

from skillpass.vc.jsonld import MemoizedProcessor
from skillpass.vc.memo import bounded
from skillpass.vc.rdf import (
    RDF_FIRST,
    RDF_NIL,
    RDF_REST,
    RDF_TYPE,
    XSD_BOOLEAN,
    XSD_DOUBLE,
    XSD_INTEGER,
    XSD_STRING,
    Quad,
    canonical_double,
    escape_literal,
)

_ABSOLUTE_IRI: Final = re.compile(r"^([A-Za-z][A-Za-z0-9+\-.]*|_):[^\s]*$")
_KEYWORDS: Final = frozenset(KEYWORDS)
_PLAIN_CONTAINERS: Final[tuple[Any, ...]] = (None, [], ["@set"], "@set")
_DROP, _KEYWORD, _PROPERTY = 0, 1, 2
_INF: Final = float("inf")


class Unsupported(Exception):  # noqa: N818 - a signal to take the general path, not an error
    """The document uses a construct this path leaves to pyld."""


class _Term:
    __slots__ = (
        "iri",
        "is_list",
        "kind",
        "language",
        "language_suffix",
        "plain_ok",
        "pred",
        "scoped",
        "type_",
        "typed_suffix",
    )

    def __init__(self, iri: Any, mapping: Mapping[str, Any] | None, ctx: Mapping[str, Any]):
        self.iri = iri
        if iri is None or not isinstance(iri, str):
            self.kind = _DROP
        elif iri[0] == "@":
            self.kind = _KEYWORD if iri in _KEYWORDS else _DROP
        else:
            self.kind = _PROPERTY if _ABSOLUTE_IRI.match(iri) else _DROP
        self.pred = f"<{iri}>" if self.kind == _PROPERTY and not iri.startswith("_:") else None
        self.type_: Any = None
        self.scoped: Any = None
        self.is_list = False
        self.plain_ok = True
        language = ctx.get("@language")
        if mapping is not None:
            if mapping.get("reverse") or "@nest" in mapping or "@index" in mapping:
                self.plain_ok = False
            self.type_ = mapping.get("@type")
            self.scoped = mapping.get("@context")
            container = mapping.get("@container")
            self.is_list = container == ["@list"] or container == "@list"
            if not self.is_list and container not in _PLAIN_CONTAINERS:
                self.plain_ok = False
            if self.type_ == "@json":
                self.plain_ok = False
            if "@language" in mapping:
                language = mapping["@language"]
        self.language = language
        self.language_suffix = f"@{language}" if language is not None else ""
        t = self.type_
        self.typed_suffix = (
            ("" if t == XSD_STRING else f"^^<{t}>")
            if t is not None and t not in ("@id", "@vocab", "@none")
            else None
        )


class _Body:
    """How a node object with given keys is walked in one (final) active context."""

    __slots__ = ("dropped", "id_key", "index_keys", "props", "terms", "type_keys", "value")

    def __init__(self) -> None:
        self.value = False
        self.id_key: str | None = None
        self.type_keys: tuple[str, ...] = ()
        self.index_keys: tuple[str, ...] = ()
        self.dropped: tuple[str, ...] = ()
        # key, term in this context, active context for the value, term in that context
        self.props: list[tuple[str, _Term, _Active, _Term]] = []
        self.terms: list[tuple[str, _Term]] = []


class _Active:
    __slots__ = (
        "bodies",
        "ctx",
        "mappings",
        "previous",
        "reverted",
        "scoped",
        "terms",
        "type_keys",
        "typed",
        "types",
    )

    def __init__(self, ctx: Mapping[str, Any]) -> None:
        self.ctx = ctx
        self.mappings: Mapping[str, Any] = ctx["mappings"]
        self.previous: Mapping[str, Any] | None = ctx.get("previousContext")
        self.terms: dict[str, _Term] = {}
        self.types: dict[str, tuple[str | None, Any, bool]] = {}
        self.scoped: dict[tuple[int, bool, bool], tuple[Any, _Active]] = {}
        # per tuple of a node's keys: the context after reverting, the keys aliasing @type,
        # and the walk plan; per type names: the context after the type-scoped contexts
        self.reverted: dict[tuple[str, ...], _Active] = {}
        self.type_keys: dict[tuple[str, ...], tuple[str, ...]] = {}
        self.typed: dict[tuple[Any, ...], _Active] = {}
        self.bodies: dict[tuple[str, ...], _Body] = {}


class _Run:
    __slots__ = ("dropped", "labels", "n", "quads")

    def __init__(self, dropped: list[str] | None) -> None:
        self.n = 0
        self.labels: dict[str, str] = {}
        self.quads: list[Quad] = []
        self.dropped = dropped

    def fresh(self) -> str:
        self.n += 1
        return f"_:b{self.n}"

    def label(self, bnode: str) -> str:
        term = self.labels.get(bnode)
        if term is None:
            term = self.labels[bnode] = self.fresh()
        return term


def _literal(value: Any, datatype: str | None) -> str:
    """A number or boolean as an N-Quads literal (JSON-LD 1.1 toRdf rules)."""
    if value is True or value is False:
        text, datatype = ("true" if value else "false"), datatype or XSD_BOOLEAN
    elif isinstance(value, int | float):
        if isinstance(value, float) and (value != value or value in (_INF, -_INF)):
            raise Unsupported("non-finite number")
        integral = isinstance(value, int) or value.is_integer()
        if datatype == XSD_DOUBLE or not integral or abs(value) >= 1e21:
            text, datatype = canonical_double(float(value)), datatype or XSD_DOUBLE
        else:
            text, datatype = str(int(value)), datatype or XSD_INTEGER
    else:
        raise Unsupported("not a JSON scalar")
    return f'"{text}"' if datatype == XSD_STRING else f'"{text}"^^<{datatype}>'


class RdfEmitter:
    """Quads of compact JSON-LD documents, one emitter (and cache) per loader."""

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
            self._actives[id(ctx)] = a  # the _Active holds ctx, so the id stays unique
        return a

    def _scoped(self, a: _Active, local: Any, override: bool, propagate: bool) -> _Active:
        key = (id(local), override, propagate)
        hit = a.scoped.get(key)
        if hit is not None and hit[0] is local:
            return hit[1]
        result = self._active(
            self.proc.context_for(a.ctx, local, override_protected=override, propagate=propagate)
        )
        a.scoped[key] = (local, result)
        return result

    def _term(self, a: _Active, key: str) -> _Term:
        t = a.terms.get(key)
        if t is None:
            t = _Term(self.proc._expand_iri(a.ctx, key, vocab=True), a.mappings.get(key), a.ctx)
            bounded(a.terms)[key] = t
        return t

    def _type(self, a: _Active, value: str) -> tuple[str | None, Any, bool]:
        hit = a.types.get(value)
        if hit is None:
            iri = self.proc._expand_iri(a.ctx, value, vocab=True, base="")
            term: str | None = None
            if isinstance(iri, str) and iri[:1] != "@" and _ABSOLUTE_IRI.match(iri):
                term = iri if iri.startswith("_:") else f"<{iri}>"
            # not a term, not an IRI and no @vocab: pyld resolves it against its default base
            relative = ":" not in value and value not in a.mappings and "@vocab" not in a.ctx
            hit = bounded(a.types)[value] = (term, iri, relative)
        return hit

    def _id(self, run: _Run, a: _Active, value: str) -> str | None:
        iri: Any = None
        colon = value.find(":")
        if colon > 0 and value[0] != "@":
            prefix = value[:colon]
            if prefix == "_":
                return run.label(value)
            if value.startswith("//", colon + 1):
                return f"<{value}>" if _ABSOLUTE_IRI.match(value) else None
            mapping = a.mappings.get(prefix)
            if mapping and mapping["_prefix"]:
                iri = mapping["@id"] + value[colon + 1 :]
            elif _ABSOLUTE_IRI.match(value):
                return f"<{value}>"
        if iri is None:
            iri = self.proc._expand_iri(a.ctx, value, base="")
            if colon < 0 and run.dropped is not None:  # resolved against pyld's default base
                run.dropped.append(f"{value} (relative IRI)")
        if not isinstance(iri, str) or iri[:1] == "@":
            raise Unsupported("keyword as @id")
        if iri.startswith("_:"):
            return run.label(iri)
        if _ABSOLUTE_IRI.match(iri):
            return f"<{iri}>"
        if run.dropped is not None:
            run.dropped.append(f"{value} (relative IRI)")
        return None

    # -- the walk ---------------------------------------------------------------------------
    def quads(self, document: Any, dropped: list[str] | None = None) -> list[Quad]:
        """The default-graph quads of ``document`` (blank nodes ``_:bN``, duplicates possible);
        keys and type names that do not expand are appended to ``dropped``."""
        if not isinstance(document, dict):
            raise Unsupported("top level is not an object")
        run = _Run(dropped)
        self._node(run, self._active(self.proc.initial), None, document)
        return run.quads

    def _object(self, run: _Run, a: _Active, term: _Term, item: Any) -> str | None:
        if type(item) is not str:  # strings first: most values are
            if isinstance(item, dict):
                return self._node(run, a, term, item)
            if item is None:
                return None
            if isinstance(item, list):
                raise Unsupported("list of lists")
            if not isinstance(item, str):
                return _literal(item, term.type_ if term.typed_suffix is not None else None)
        t = term.type_
        if t == "@id":
            return self._id(run, a, item)
        if t == "@vocab":
            return self._type(a, item)[0]
        text = escape_literal(item)
        if term.typed_suffix is not None:
            return f'"{text}"{term.typed_suffix}'
        return f'"{text}"{term.language_suffix}'

    def _reverted(self, a: _Active, keys: tuple[str, ...], element: dict[str, Any]) -> _Active:
        # a type-scoped context does not propagate into nested nodes, except into value
        # objects and bare references
        revert = True
        if len(keys) <= 2 and "@context" not in element:
            for key in keys:
                iri = self._term(a, key).iri
                if iri == "@value" or (iri == "@id" and len(keys) == 1):
                    revert = False
                    break
        return self._active(a.previous) if revert and a.previous is not None else a

    def _type_keys(self, a: _Active, keys: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(sorted(k for k in keys if self._term(a, k).iri == "@type"))

    def _typed(self, a: _Active, type_keys: tuple[str, ...], element: dict[str, Any]) -> _Active:
        names: list[Any] = []
        for key in type_keys:
            value = element[key]
            names.append(tuple(value) if isinstance(value, list) else value)
        cache_key = tuple(names)
        hit = a.typed.get(cache_key)
        if hit is not None:
            return hit
        result = a
        for group in names:
            group_names = group if isinstance(group, tuple) else (group,)
            for name in sorted(n for n in group_names if isinstance(n, str)):
                mapping = a.mappings.get(name)
                scoped = mapping.get("@context") if mapping else None
                if scoped is not None and scoped is not False:
                    result = self._scoped(result, scoped, False, False)
        try:
            bounded(a.typed)[cache_key] = result
        except TypeError:  # unhashable type value: pyld will say what is wrong
            raise Unsupported("@type value") from None
        return result

    def _body(self, a: _Active, keys: tuple[str, ...]) -> _Body:
        body = _Body()
        type_keys: list[str] = []
        index_keys: list[str] = []
        dropped: list[str] = []
        for key in keys:
            t = self._term(a, key)
            body.terms.append((key, t))
            if t.kind == _PROPERTY:
                if not t.plain_ok:
                    raise Unsupported("container or term definition")
                term_a, vt = a, t
                if t.scoped is not None:
                    term_a = self._scoped(a, t.scoped, True, True)
                    vt = self._term(term_a, key)
                    if not vt.plain_ok or vt.is_list != t.is_list:
                        raise Unsupported("scoped redefinition")
                body.props.append((key, t, term_a, vt))
            elif t.kind == _KEYWORD:
                iri = t.iri
                if iri == "@value":
                    body.value = True
                elif iri == "@id":
                    if body.id_key is not None:
                        raise Unsupported("colliding @id")
                    body.id_key = key
                elif iri == "@type":
                    type_keys.append(key)
                elif iri == "@index":
                    index_keys.append(key)
                elif iri not in ("@context", "@language", "@direction"):
                    raise Unsupported(iri)
            elif key != "@context":
                dropped.append(key)
        if not body.value and any(t.iri in ("@language", "@direction") for _, t in body.terms):
            raise Unsupported("@language on a node object")
        body.type_keys = tuple(type_keys)
        body.index_keys = tuple(index_keys)
        body.dropped = tuple(dropped)
        return body

    def _node(
        self, run: _Run, a: _Active, prop_term: _Term | None, element: dict[str, Any]
    ) -> str | None:
        keys = tuple(element)
        if a.previous is not None:
            nxt = a.reverted.get(keys)
            if nxt is None or "@context" in element:
                nxt = self._reverted(a, keys, element)
                bounded(a.reverted)[keys] = nxt
            a = nxt
        if prop_term is not None and prop_term.scoped is not None:
            a = self._scoped(a, prop_term.scoped, True, True)
        if "@context" in element:
            local = element["@context"]
            if isinstance(local, dict) and "@context" in local:
                raise Unsupported("@context inside a context")
            if type(local) is list and all(type(c) is str for c in local):
                local = list(local)  # URLs only (the usual top level): nothing inside to share
            elif not isinstance(local, str):
                local = copy.deepcopy(local)  # pyld keeps references into inline contexts
            a = self._active(self.proc.context_for(a.ctx, local))

        type_scoped = a
        type_keys = a.type_keys.get(keys)
        if type_keys is None:
            type_keys = bounded(a.type_keys)[keys] = self._type_keys(a, keys)
        if type_keys:
            a = self._typed(a, type_keys, element)
        body = a.bodies.get(keys)
        if body is None:
            body = bounded(a.bodies)[keys] = self._body(a, keys)
        if body.value:
            return self._value(run, a, type_scoped, element, body.terms)

        if body.id_key is not None:
            ident = element[body.id_key]
            if not isinstance(ident, str):
                raise Unsupported("@id is not a string")
            subject = self._id(run, a, ident)
        else:
            subject = run.fresh()
        if body.dropped and run.dropped is not None:
            run.dropped.extend(body.dropped)
        for key in body.index_keys:
            if not isinstance(element[key], str):
                raise Unsupported("@index is not a string")

        quads = run.quads
        for key in body.type_keys:
            value = element[key]
            for name in value if isinstance(value, list) else (value,):
                if not isinstance(name, str):
                    raise Unsupported("@type is not a string")
                term, expanded, relative = self._type(type_scoped, name)
                if term is None or relative:
                    if isinstance(expanded, str) and expanded[:1] == "@":
                        raise Unsupported("keyword as @type")
                    if run.dropped is not None:
                        run.dropped.append(name)
                if term is not None and subject is not None:
                    quads.append((subject, RDF_TYPE, term if term[0] == "<" else run.label(term)))

        for key, t, term_a, vt in body.props:
            value = element[key]
            pred = t.pred
            if t.is_list:
                items = value if isinstance(value, list) else [value]
                objs = [
                    o for o in (self._object(run, term_a, vt, i) for i in items) if o is not None
                ]
                obj: str = RDF_NIL
                if objs:
                    heads = [run.fresh() for _ in objs]
                    last = len(objs) - 1
                    for i, item_obj in enumerate(objs):
                        quads.append((heads[i], RDF_FIRST, item_obj))
                        quads.append((heads[i], RDF_REST, heads[i + 1] if i < last else RDF_NIL))
                    obj = heads[0]
                if subject is not None and pred is not None:
                    quads.append((subject, pred, obj))
            elif isinstance(value, list):
                for item in value:
                    one = self._object(run, term_a, vt, item)
                    if one is not None and subject is not None and pred is not None:
                        quads.append((subject, pred, one))
            else:
                one = self._object(run, term_a, vt, value)
                if one is not None and subject is not None and pred is not None:
                    quads.append((subject, pred, one))
        return subject

    def _value(
        self,
        run: _Run,
        a: _Active,
        type_scoped: _Active,
        element: dict[str, Any],
        terms: list[tuple[str, _Term]],
    ) -> str | None:
        value: Any = None
        datatype: str | None = None
        language: str | None = None
        for key, t in terms:
            iri = t.iri
            v = element[key]
            if iri == "@value":
                value = v
            elif iri == "@type":
                if not isinstance(v, str):
                    raise Unsupported("value @type")
                term, expanded, _ = self._type(type_scoped, v)
                if term is None or term[0] != "<":
                    raise Unsupported("value @type is not an IRI")
                datatype = expanded
            elif iri == "@language":
                if v is not None:
                    if not isinstance(v, str):
                        raise Unsupported("@language")
                    language = v.lower()
            elif iri == "@direction":
                if v not in ("ltr", "rtl"):
                    raise Unsupported("@direction")
            elif iri == "@index":
                if not isinstance(v, str):
                    raise Unsupported("@index")
            elif iri != "@context":
                raise Unsupported("invalid value object")
        if isinstance(value, dict | list):
            raise Unsupported("@value is not a scalar")
        if datatype is not None and language is not None:
            raise Unsupported("typed and language-tagged")
        if value is None:
            return None
        if isinstance(value, str):
            text = escape_literal(value)
            if datatype is not None and datatype != XSD_STRING:
                return f'"{text}"^^<{datatype}>'
            if language is not None:
                return f'"{text}"@{language}'
            return f'"{text}"'
        if language is not None:
            raise Unsupported("language-tagged non-string")
        return _literal(value, datatype)
