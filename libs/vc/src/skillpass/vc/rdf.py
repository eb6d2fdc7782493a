"""RDF terms as N-Quads text, and RDFC-1.0 canonical N-Quads in Python for the common case.

``canonicalize`` implements
RDFC-1.0 when every blank node's *first-degree* hash is unique (true of credentials, whose blank
nodes differ in their properties) and returns ``None`` otherwise, so that the caller can use
pyoxigraph's complete implementation. The differential tests check it against pyld and pyoxigraph.

Literal escaping is RDFC-1.0's canonical N-Quads (``\\b \\t \\n \\f \\r \\" \\\\`` and ``\\uXXXX``
for the other control characters); numbers follow JSON-LD 1.1 (an integral number below 1e21 is an
``xsd:integer`` even when JSON wrote it as ``5.0``; others are canonical ``xsd:double``).
"""

from __future__ import annotations

import hashlib
import re
from typing import Final

RDF_TYPE: Final = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
RDF_FIRST: Final = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#first>"
RDF_REST: Final = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#rest>"
RDF_NIL: Final = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#nil>"
RDF_LANGSTRING: Final = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
XSD_STRING: Final = "http://www.w3.org/2001/XMLSchema#string"
XSD_BOOLEAN: Final = "http://www.w3.org/2001/XMLSchema#boolean"
XSD_INTEGER: Final = "http://www.w3.org/2001/XMLSchema#integer"
XSD_DOUBLE: Final = "http://www.w3.org/2001/XMLSchema#double"
_ABSOLUTE_IRI: Final = re.compile(r"^([A-Za-z][A-Za-z0-9+\-.]*|_):[^\s]*$")

_ESCAPES: Final = {i: f"\\u{i:04X}" for i in [*range(0x20), 0x7F]} | {
    0x08: "\\b",
    0x09: "\\t",
    0x0A: "\\n",
    0x0C: "\\f",
    0x0D: "\\r",
    0x22: '\\"',
    0x5C: "\\\\",
}
_NEEDS_ESCAPE: Final = re.compile(r'[\x00-\x1f\x7f"\\]')

Quad = tuple[str, str, str]  # subject, predicate, object as N-Quads terms; default graph only


def escape_literal(value: str) -> str:
    # printable text has no control characters: then only the quote and backslash need a look
    if value.isprintable() and '"' not in value and "\\" not in value:
        return value
    if _NEEDS_ESCAPE.search(value) is None:
        return value
    return value.translate(_ESCAPES)


def canonical_double(value: float) -> str:
    """The canonical lexical form of an ``xsd:double`` (as JSON-LD 1.1 defines it)."""
    return re.sub(r"(\d)0*E\+?(-)?0*(\d)", r"\1E\2\3", f"{value:1.15E}")


def literal(value: str, datatype: str | None = None, language: str | None = None) -> str:
    text = '"' + escape_literal(value) + '"'
    if language is not None:
        return f"{text}@{language}"
    if datatype is None or datatype == XSD_STRING:
        return text
    return f"{text}^^<{datatype}>"


def _line(s: str, p: str, o: str) -> str:
    return f"{s} {p} {o} .\n"


def canonicalize(quads: list[Quad]) -> str | None:
    """RDFC-1.0 canonical N-Quads when every blank node has a unique first-degree hash, else
    None (the caller then uses a complete implementation)."""
    out: list[str] = []
    with_bnodes: list[Quad] = []
    mentions: dict[str, list[Quad]] = {}
    for q in set(quads):
        s, p, o = q
        if s[0] == "_":
            with_bnodes.append(q)
            mentions.setdefault(s, []).append(q)
            if o[0] == "_" and o != s:
                mentions.setdefault(o, []).append(q)
        elif o[0] == "_":
            with_bnodes.append(q)
            mentions.setdefault(o, []).append(q)
        else:
            out.append(f"{s} {p} {o} .\n")
    by_hash: dict[str, str] = {}
    sha256 = hashlib.sha256
    for bnode, qs in mentions.items():
        lines = [
            f"{('_:a' if s == bnode else '_:z') if s[0] == '_' else s} {p} "
            f"{('_:a' if o == bnode else '_:z') if o[0] == '_' else o} .\n"
            for s, p, o in qs
        ]
        lines.sort()
        digest = sha256("".join(lines).encode()).hexdigest()
        if digest in by_hash:
            return None  # a shared first-degree hash: needs the n-degree algorithm
        by_hash[digest] = bnode
    canonical = {by_hash[h]: f"_:c14n{i}" for i, h in enumerate(sorted(by_hash))}
    for s, p, o in with_bnodes:
        out.append(
            f"{canonical[s] if s[0] == '_' else s} {p} {canonical[o] if o[0] == '_' else o} .\n"
        )
    out.sort()
    return "".join(out)


def nquads(quads: list[Quad]) -> str:
    """Plain (not canonical) N-Quads text of the quads."""
    return "".join(_line(*q) for q in quads)
