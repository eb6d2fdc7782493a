"""Credential validation: VC data model rules, the validity window, the OB 3.0 JSON Schema.

Everything here is pure: ``now`` is passed in and nothing is fetched. A credential that breaks a
rule is a *result* (a failed :class:`~skillpass.vc.result.Check`, or a list of problem strings for
the issuer); only misuse of the API (a naive ``now``) raises.

The rules live once, in :func:`data_model_problems`, :func:`validity_window` and
:func:`schema_problems`; :func:`validation_checks` (verifiers) and :func:`validate_for_issue`
(issuers, before signing) are two views of the same rules.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from importlib import resources
from typing import Any, Final, TypeGuard

import jsonschema_rs
from jsonschema import FormatChecker
from jsonschema.exceptions import ValidationError, best_match
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for

from skillpass.vc.result import Check

__all__ = [
    "OB3_SCHEMA_FILE",
    "OPEN_BADGE_TYPES",
    "VC1_CONTEXT",
    "VC2_CONTEXT",
    "ValidityWindow",
    "VcVersion",
    "as_list",
    "data_model_problems",
    "format_datetime",
    "is_open_badge",
    "is_url",
    "node_id",
    "parse_datetime",
    "require_aware",
    "schema_problems",
    "types_of",
    "validate_for_issue",
    "validation_checks",
    "validity_window",
    "vc_version",
]

VC2_CONTEXT: Final = "https://www.w3.org/ns/credentials/v2"
VC1_CONTEXT: Final = "https://www.w3.org/2018/credentials/v1"
OPEN_BADGE_TYPES: Final = frozenset({"AchievementCredential", "OpenBadgeCredential"})
OB3_SCHEMA_FILE: Final = "ob_v3p0_achievementcredential_schema.json"

# Schema errors beyond the first few only repeat the same mistake in other words.
_MAX_SCHEMA_ERRORS: Final = 5
_MAX_MESSAGE: Final = 200


class VcVersion(StrEnum):
    V2 = "2.0"
    V1_1 = "1.1"


# ------------------------------------------------------------------------------------ values


# XML Schema 1.1 dateTime (the lexical space, not ISO 8601's looser one): upper-case T and Z,
# optional fraction, optional zone; ``24:00:00`` means the end of the day.
_XSD_DATETIME = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})T(?P<hour>\d{2}):(?P<rest>\d{2}:\d{2}(?:\.\d+)?)"
    r"(?P<tz>Z|[+-]\d{2}:\d{2})?"
)
# The same, restricted to ``Z`` and hours 00-23: what credentials hold, parsed without rebuilding.
_UTC_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T(?:[01]\d|2[0-3]):\d{2}:\d{2}(?:\.\d+)?Z")
_XSD_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Any absolute URL (RFC 3986 scheme, then something without whitespace): https:, did:, urn:uuid:.
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s\x00-\x1f\x7f]+")


def parse_datetime(value: object, *, require_timezone: bool = True) -> datetime | None:
    """An XML Schema ``dateTime`` as an aware datetime, or None when it is not one.

    VC 2.0 wants a ``dateTimeStamp`` (zone required). VC 1.1 allowed a zone-less ``dateTime``;
    with ``require_timezone=False`` such a value is read as UTC, which is what issuers meant.
    """
    if not isinstance(value, str):
        return None
    if _UTC_DATETIME.fullmatch(value) is not None:
        # the common form (UTC, hour 00-23): the text is what the general path would rebuild
        try:
            return datetime.fromisoformat(value)
        except ValueError:  # 2024-02-30, minute 61 ...
            return None
    match = _XSD_DATETIME.fullmatch(value)
    if match is None or (require_timezone and match["tz"] is None):
        return None
    hour, end_of_day = match["hour"], False
    if hour == "24":  # only 24:00:00 is allowed, and it is the next day's midnight
        if match["rest"].strip("0:.") != "":
            return None
        hour, end_of_day = "00", True
    try:
        parsed = datetime.fromisoformat(
            f"{match['date']}T{hour}:{match['rest']}{match['tz'] or ''}"
        )
    except ValueError:  # 2024-02-30, 25:00, +15:00 ...
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    elif abs(parsed.utcoffset() or timedelta()) > timedelta(hours=14):
        return None
    return parsed + timedelta(days=1) if end_of_day else parsed


def format_datetime(moment: datetime) -> str:
    """``YYYY-MM-DDThh:mm:ss[.ffffff]Z`` in UTC: the form VC examples and OB 3.0 wallets use."""
    require_aware(moment, "moment")
    text = moment.astimezone(UTC).replace(tzinfo=None).isoformat()
    return f"{text}Z"


def is_url(value: object) -> TypeGuard[str]:
    """An absolute URL in the VC sense (``https:``, ``did:``, ``urn:uuid:`` …)."""
    return isinstance(value, str) and _URL.fullmatch(value) is not None


def as_list(value: object) -> list[Any]:
    """JSON-LD sets: a single value and a one-element array mean the same; absent is empty."""
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


def types_of(node: object) -> tuple[str, ...]:
    """The ``type`` values of a node (string or array), ignoring non-strings."""
    if not isinstance(node, Mapping):
        return ()
    return tuple(t for t in as_list(node.get("type")) if isinstance(t, str))


def node_id(value: object) -> str | None:
    """The id of a value that may be a URL string or an object with ``id`` (e.g. ``issuer``)."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping) and isinstance(value.get("id"), str):
        return str(value["id"])
    return None


def vc_version(credential: Mapping[str, Any]) -> VcVersion | None:
    """Which data model the first ``@context`` declares, or None for neither."""
    contexts = as_list(credential.get("@context"))
    first = contexts[0] if contexts else None
    if first == VC2_CONTEXT:
        return VcVersion.V2
    if first == VC1_CONTEXT:
        return VcVersion.V1_1
    return None


def is_open_badge(credential: Mapping[str, Any]) -> bool:
    return not OPEN_BADGE_TYPES.isdisjoint(types_of(credential))


# ---------------------------------------------------------------------------- validity window


@dataclass(frozen=True, slots=True, kw_only=True)
class ValidityWindow:
    """When a credential is valid, read from ``validFrom``/``validUntil`` (VC 2.0) or
    ``issuanceDate``/``expirationDate`` (VC 1.1). ``problems`` holds dates that do not parse or
    are out of order; then the window cannot be judged."""

    valid_from: datetime | None
    valid_until: datetime | None
    from_property: str
    until_property: str
    problems: tuple[str, ...] = ()

    def problem_at(self, now: datetime, *, leeway: timedelta = timedelta(0)) -> str | None:
        """Why the credential is not valid at ``now`` (give or take ``leeway`` for clocks that
        disagree a little), or None when it is."""
        require_aware(now, "now")
        if self.valid_from is not None and now + leeway < self.valid_from:
            return f"not yet valid until {format_datetime(self.valid_from)}"
        if self.valid_until is not None and now - leeway > self.valid_until:
            return f"expired at {format_datetime(self.valid_until)}"
        return None


def validity_window(credential: Mapping[str, Any]) -> ValidityWindow:
    v1 = vc_version(credential) is VcVersion.V1_1
    from_property, until_property = (
        ("issuanceDate", "expirationDate") if v1 else ("validFrom", "validUntil")
    )
    problems: list[str] = []

    def read(name: str) -> datetime | None:
        if name not in credential:
            return None
        raw = credential[name]
        parsed = parse_datetime(raw, require_timezone=not v1)
        if parsed is None:
            zone = "" if v1 else " with a timezone"
            problems.append(f"{name} {raw!r} is not an XML Schema dateTime{zone}")
        return parsed

    valid_from, valid_until = read(from_property), read(until_property)
    if valid_from is not None and valid_until is not None and valid_from > valid_until:
        problems.append(f"{from_property} is after {until_property}")
    return ValidityWindow(
        valid_from=valid_from,
        valid_until=valid_until,
        from_property=from_property,
        until_property=until_property,
        problems=tuple(problems),
    )


# -------------------------------------------------------------------------------- data model

# Properties whose values are objects that, when they carry an ``id``, must carry a URL.
_NODES_WITH_URL_IDS: Final = (
    "credentialStatus",
    "credentialSchema",
    "evidence",
    "termsOfUse",
    "refreshService",
)


def data_model_problems(credential: Mapping[str, Any]) -> list[str]:
    """Every VC data model rule the credential breaks (VC 2.0, or VC 1.1 by its context)."""
    if not isinstance(credential, Mapping):
        return ["a credential must be a JSON object"]
    return _data_model_problems(credential, validity_window(credential))


def _data_model_problems(credential: Mapping[str, Any], window: ValidityWindow) -> list[str]:
    problems = _context_problems(credential)
    version = vc_version(credential)

    if "VerifiableCredential" not in types_of(credential):
        problems.append("type must include 'VerifiableCredential'")
    if len(types_of(credential)) != len(as_list(credential.get("type"))):
        problems.append("every type must be a string")
    if "id" in credential and not is_url(credential["id"]):
        problems.append(f"id {credential['id']!r} is not a URL")

    issuer = credential.get("issuer")
    if issuer is None:
        problems.append("issuer is required")
    elif not is_url(node_id(issuer)):
        problems.append("issuer must be a URL or an object whose id is a URL")

    subjects = as_list(credential.get("credentialSubject"))
    if not subjects:
        problems.append("credentialSubject is required")
    for i, subject in enumerate(subjects):
        where = "credentialSubject" if len(subjects) == 1 else f"credentialSubject[{i}]"
        if not isinstance(subject, Mapping) or not subject:
            problems.append(f"{where} must be a non-empty object")
        elif "id" in subject and not is_url(subject["id"]):
            problems.append(f"{where}.id {subject['id']!r} is not a URL")

    for name in _NODES_WITH_URL_IDS:
        for node in as_list(credential.get(name)):
            if not isinstance(node, Mapping):
                problems.append(f"{name} must be an object or an array of objects")
            elif "id" in node and not is_url(node["id"]):
                problems.append(f"{name}.id {node['id']!r} is not a URL")
    for node in as_list(credential.get("credentialStatus")):
        if isinstance(node, Mapping) and not types_of(node):
            problems.append("credentialStatus must have a type")
    for node in as_list(credential.get("credentialSchema")):
        if isinstance(node, Mapping) and not (is_url(node.get("id")) and types_of(node)):
            problems.append("credentialSchema must have a URL id and a type")

    if version is VcVersion.V1_1 and window.from_property not in credential:
        problems.append("issuanceDate is required in a VC 1.1 credential")
    problems.extend(window.problems)
    return problems


def _context_problems(credential: Mapping[str, Any]) -> list[str]:
    if "@context" not in credential:
        return ["@context is required"]
    contexts = as_list(credential["@context"])
    if vc_version(credential) is None:
        return [f"the first @context must be {VC2_CONTEXT} (or {VC1_CONTEXT} for VC 1.1)"]
    if not all(is_url(c) or isinstance(c, Mapping) for c in contexts):
        return ["every @context entry must be a URL or an object"]
    return []


# ------------------------------------------------------------------------------------ schema


def schema_problems(credential: Mapping[str, Any]) -> list[str]:
    """OB 3.0 JSON Schema errors of an ``AchievementCredential``/``OpenBadgeCredential``, first
    few only, each as ``<JSON path>: <message>``.

    A single ``proof`` object is read as a one-element array: the schema insists on an array,
    but in JSON-LD both are the same graph and the signature covers neither form, so rejecting
    it would only turn away what other wallets legitimately issue. Unsigned input (no ``proof``)
    is fine: the schema does not require one.

    Several ``credentialStatus`` entries (VC 2.0 allows a list; skillpass issues one for
    revocation and one for suspension) are each checked against the schema's
    ``CredentialStatus`` definition, which names a single object.
    """
    # The validator reads plain dicts and lists; a credential parsed from JSON already is one, and
    # only its top level is edited below, so a shallow copy does (the deep copy cost ~100 µs).
    document: Any = dict(credential) if _plain_json(credential) else _json_tree(credential)
    extra_statuses: list[Any] = []
    if isinstance(document, dict):
        if isinstance(document.get("proof"), dict):
            document["proof"] = [document["proof"]]
        statuses = document.get("credentialStatus")
        if isinstance(statuses, list) and statuses:
            document["credentialStatus"], *extra_statuses = statuses
    # Verification runs this on every credential: the compiled (Rust) validator answers "valid?"
    # in microseconds; only an invalid document pays for jsonschema's detailed messages.
    fast, fast_status = _ob3_fast_validators()
    if fast.is_valid(document) and all(fast_status.is_valid(e) for e in extra_statuses):
        return []
    errors = sorted(_ob3_validator().iter_errors(document), key=lambda e: e.json_path)
    described = [_describe(error) for error in errors]
    for position, entry in enumerate(extra_statuses, start=1):
        for error in _ob3_status_validator().iter_errors(entry):
            described.append(f"$.credentialStatus[{position}]: {error.message}")
    return described[:_MAX_SCHEMA_ERRORS]


@functools.cache
def _ob3_schema() -> dict[str, Any]:
    text = resources.files("skillpass.vc").joinpath("schemas", OB3_SCHEMA_FILE).read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@functools.cache
def _ob3_validator() -> Validator:
    """Loaded and compiled once per process; the draft (2019-09) comes from ``$schema``."""
    schema = _ob3_schema()
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=_FORMAT_CHECKER)


def _ob3_status_schema() -> dict[str, Any]:
    """The schema's ``CredentialStatus`` definition, for the second and later status entries."""
    full = _ob3_schema()
    return {"$schema": full["$schema"], "$ref": "#/$defs/CredentialStatus", "$defs": full["$defs"]}


@functools.cache
def _ob3_status_validator() -> Validator:
    return validator_for(_ob3_schema())(_ob3_status_schema(), format_checker=_FORMAT_CHECKER)


@functools.cache
def _ob3_fast_validators() -> tuple[jsonschema_rs.Validator, jsonschema_rs.Validator]:
    """The same schemas and format rules, compiled; offline, so no ``$ref`` is ever fetched."""
    formats = {"date-time": _is_datetime, "date": _is_date}

    def compile_(schema: dict[str, Any]) -> jsonschema_rs.Validator:
        return jsonschema_rs.validator_for(
            schema, formats=formats, validate_formats=True, offline=True
        )

    return compile_(_ob3_schema()), compile_(_ob3_status_schema())


# Only the formats the OB 3.0 schema uses, checked by the same rules as the data model (the
# stock date-time check needs an optional package and silently passes everything without it).
_FORMAT_CHECKER: Final = FormatChecker(formats=())


@_FORMAT_CHECKER.checks("date-time")
def _is_datetime(value: object) -> bool:
    return not isinstance(value, str) or parse_datetime(value) is not None


@_FORMAT_CHECKER.checks("date")
def _is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        return _XSD_DATE.fullmatch(value) is not None and bool(date.fromisoformat(value))
    except ValueError:
        return False


def _describe(error: ValidationError) -> str:
    # oneOf/anyOf errors say only "not valid under any of the given schemas": show the branch
    # that came closest instead.
    # A branch that failed only on ``type`` is rarely the one meant (an issuer object is not
    # "not a string"); prefer one whose type matched.
    branches = [e for e in error.context if e.validator != "type"] or error.context
    chosen = (best_match(branches) if branches else None) or error
    message = chosen.message
    if len(message) > _MAX_MESSAGE:
        message = message[: _MAX_MESSAGE - 1] + "…"
    return f"{chosen.json_path}: {message}"


_JSON_SCALARS: Final = frozenset({str, int, float, bool, type(None)})


def _plain_json(value: object) -> bool:
    """True when ``value`` is a dict of exactly the JSON types (str keys; dict, list, str, int,
    float, bool, None values, nested): then :func:`_json_tree` would return an equal copy."""
    if type(value) is not dict:
        return False
    stack: list[Any] = [value]
    pop = stack.pop
    push = stack.append
    while stack:
        node = pop()
        if type(node) is dict:
            for key, x in node.items():
                if type(key) is not str:
                    return False
                tx = type(x)
                if tx is str:
                    continue
                if tx is dict or tx is list:
                    push(x)
                elif tx not in _JSON_SCALARS:
                    return False
        else:
            for x in node:
                tx = type(x)
                if tx is str:
                    continue
                if tx is dict or tx is list:
                    push(x)
                elif tx not in _JSON_SCALARS:
                    return False
    return True


def _json_tree(value: object) -> Any:
    """Plain dicts and lists: the schema's ``object``/``array`` types are ``dict``/``list``."""
    if isinstance(value, Mapping):
        return {str(k): _json_tree(v) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return [_json_tree(v) for v in value]
    return value


# ---------------------------------------------------------------------------------- the views


def validation_checks(credential: Mapping[str, Any], *, now: datetime) -> list[Check]:
    """The ``data_model``, ``validity_period`` and ``schema`` checks of a credential."""
    require_aware(now, "now")
    window = validity_window(credential) if isinstance(credential, Mapping) else None
    return [
        _data_model_check(credential, window),
        _validity_check(credential, now, window),
        _schema_check(credential),
    ]


def validate_for_issue(credential: Mapping[str, Any], *, now: datetime) -> list[str]:
    """What must be fixed before signing; empty when the credential may be issued.

    The data model and (for Open Badges) the OB 3.0 schema, plus one issuer-only rule: a
    credential that would already be expired at ``now`` is a mistake. A future ``validFrom`` is
    allowed (scheduled credentials).
    """
    require_aware(now, "now")
    problems = data_model_problems(credential)
    if not isinstance(credential, Mapping):
        return problems
    window = validity_window(credential)
    if not window.problems and window.valid_until is not None and now > window.valid_until:
        problems.append(f"{window.until_property} is already past: {window.problem_at(now)}")
    if is_open_badge(credential):
        problems.extend(f"schema: {p}" for p in schema_problems(credential))
    return problems


def _data_model_check(credential: Mapping[str, Any], window: ValidityWindow | None) -> Check:
    problems = (
        _data_model_problems(credential, window)
        if window is not None
        else data_model_problems(credential)
    )
    if problems:
        return Check.failed("data_model", "; ".join(problems), problems=problems)
    version = vc_version(credential)
    return Check.passed("data_model", f"VC {version} data model", version=str(version))


def _validity_check(
    credential: Mapping[str, Any], now: datetime, window: ValidityWindow | None
) -> Check:
    if not isinstance(credential, Mapping) or window is None:
        return Check.error("validity_period", "not a credential")
    if window.problems:
        return Check.error("validity_period", "cannot judge: " + "; ".join(window.problems))
    detail = {
        name: format_datetime(moment)
        for name, moment in (
            (window.from_property, window.valid_from),
            (window.until_property, window.valid_until),
        )
        if moment is not None
    }
    problem = window.problem_at(now)
    if problem is not None:
        return Check.failed("validity_period", problem, **detail)
    if window.valid_from is None and window.valid_until is None:
        return Check.passed("validity_period", "no validity period: valid at any time")
    return Check.passed("validity_period", f"valid at {format_datetime(now)}", **detail)


def _schema_check(credential: Mapping[str, Any]) -> Check:
    if not isinstance(credential, Mapping) or not is_open_badge(credential):
        return Check.skipped("schema", "not an Open Badges credential: no schema applies")
    if vc_version(credential) is VcVersion.V1_1:
        # The bundled schema describes the VC 2.0 form of OB 3.0 (validFrom, the v2 context);
        # judging an OB 3.0 credential of the VC 1.1 era by it would fail every one of them.
        return Check.skipped("schema", "OB 3.0 over VC 1.1: the bundled schema is for VC 2.0")
    problems = schema_problems(credential)
    if problems:
        return Check.failed("schema", "; ".join(problems), errors=problems)
    note = (
        " (single proof object read as an array)"
        if isinstance(credential.get("proof"), Mapping)
        else ""
    )
    return Check.passed("schema", f"valid against the OB 3.0 AchievementCredential schema{note}")


def require_aware(moment: datetime, name: str = "now") -> None:
    """Misuse guard: naive datetimes cannot be compared with credential dates."""
    if not isinstance(moment, datetime) or moment.tzinfo is None:
        raise ValueError(f"{name} must be a timezone-aware datetime")
