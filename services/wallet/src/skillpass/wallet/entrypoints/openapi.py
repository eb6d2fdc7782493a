"""The wallet's OpenAPI 3.1 description, served at `/openapi.json` (the gateway's contract and
what schemathesis fuzzes)."""

from __future__ import annotations

from typing import Any

JSON = "application/json"
PROBLEM = "application/problem+json"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {JSON: {"schema": schema}}}


def _problems(*statuses: int) -> dict[str, Any]:
    return {
        str(s): {"description": "problem", "content": {PROBLEM: {"schema": _ref("Problem")}}}
        for s in (401, 403, *statuses)
    }


def _op(
    summary: str,
    responses: dict[str, Any],
    *,
    body: dict[str, Any] | None = None,
    params: list[dict[str, Any]] | None = None,
    errors: tuple[int, ...] = (400, 404),
    public: bool = False,
) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "responses": {**responses, **_problems(*errors)}}
    if body is not None:
        op["requestBody"] = {"required": True, "content": {JSON: {"schema": body}}}
    if params:
        op["parameters"] = params
    if public:
        op["security"] = []
    return op


def _path(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def _query(name: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema or {"type": "string"}}


LIST_PARAMS = [
    _query("issuer"),
    _query("achievement_type"),
    _query("skill"),
    _query("status", {"type": "string", "enum": ["active", "suspended", "revoked"]}),
    _query("issued_from", {"type": "string", "format": "date-time"}),
    _query("issued_to", {"type": "string", "format": "date-time"}),
    _query("q", {"type": "string", "maxLength": 200}),
    _query("limit", {"type": "integer", "minimum": 1, "maximum": 100}),
    _query("cursor"),
]

SCHEMAS: dict[str, Any] = {
    "Problem": {
        "type": "object",
        "required": ["type", "title", "status", "detail", "code"],
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "code": {"type": "string"},
            "report": _ref("VerificationReport"),
        },
    },
    "Identifier": {
        "type": "object",
        "required": ["type", "value"],
        "properties": {
            "type": {"type": "string", "examples": ["emailAddress", "studentId"]},
            "value": {"type": "string", "maxLength": 320},
        },
    },
    "Learner": {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "did": {"type": "string"},
            "identifiers": {"type": "array", "items": _ref("Identifier")},
            "auto_accept": {"type": "boolean"},
            "created_at": {"type": "string", "format": "date-time"},
            "matched": {"type": "integer"},
        },
    },
    "Holding": {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "credential_id": {"type": "string"},
            "origin": {"enum": ["issued", "imported"]},
            "offer": {"enum": ["offered", "accepted", "declined"]},
            "status": {"enum": ["active", "suspended", "revoked"]},
            "status_reason": {"type": ["string", "null"]},
            "status_changed_at": {"type": ["string", "null"]},
            "revoked_at": {"type": ["string", "null"]},
            "tenant_id": {"type": ["string", "null"]},
            "received_at": {"type": "string"},
            "name": {"type": "string"},
            "issuer": {"type": "object"},
            "achievement": {"type": "object"},
            "skills": {"type": "array", "items": {"type": "object"}},
            "credits": {"type": ["number", "null"]},
            "valid_from": {"type": ["string", "null"]},
            "valid_until": {"type": ["string", "null"]},
            "credential": {"type": "object", "description": "full credential (detail only)"},
            "verification": {"type": ["object", "null"]},
        },
    },
    "HoldingPage": {
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": _ref("Holding")},
            "next_cursor": {"type": ["string", "null"]},
        },
    },
    "Counts": {
        "type": "object",
        "properties": {
            k: {"type": "integer"} for k in ("active", "suspended", "revoked", "offers")
        },
    },
    "ShareLink": {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "url": {"type": "string", "format": "uri"},
            "holding_ids": {"type": "array", "items": {"type": "string"}},
            "label": {"type": "string"},
            "created_at": {"type": "string"},
            "expires_at": {"type": ["string", "null"]},
            "revoked_at": {"type": ["string", "null"]},
            "views": {"type": "integer"},
            "state": {"enum": ["live", "expired", "revoked"]},
        },
    },
    "VerificationReport": {
        "type": "object",
        "properties": {
            "verified": {"type": "boolean"},
            "checks": {"type": "array", "items": {"type": "object"}},
            "warnings": {"type": "array", "items": {"type": "string"}},
            "errors": {"type": "array", "items": {"type": "string"}},
        },
    },
    "PathwayProgress": {"type": "object"},
}


def openapi_document() -> dict[str, Any]:
    learner = "/learners/{learner_id}"
    lid = [_path("learner_id")]
    hid = [*lid, _path("holding_id")]
    holding = _json(_ref("Holding"), "the holding")
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "skillpass wallet",
            "version": "1.0.0",
            "description": "Learner wallets: holdings, offers, imports, pathway progress, "
            "presentations and share links. Bearer JWT on every route but /s/{token}.",
        },
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
        "paths": {
            "/learners": {
                "post": _op(
                    "Register a learner (a learner themselves; identifiers: platform admin)",
                    {"201": _json(_ref("Learner"), "registered")},
                    body={
                        "type": "object",
                        "properties": {
                            "learner_id": {"type": "string"},
                            "identifiers": {"type": "array", "items": _ref("Identifier")},
                            "auto_accept": {"type": "boolean"},
                        },
                    },
                    errors=(400, 409, 415),
                )
            },
            learner: {"get": _op("A learner", {"200": _json(_ref("Learner"), "ok")}, params=lid)},
            f"{learner}/identifiers": {
                "post": _op(
                    "Add a verified identifier (platform admin); re-matches waiting credentials",
                    {"200": _json(_ref("Learner"), "ok")},
                    body=_ref("Identifier"),
                    params=lid,
                    errors=(400, 404, 409, 415),
                )
            },
            f"{learner}/settings": {
                "put": _op(
                    "Set auto-accept",
                    {"200": _json(_ref("Learner"), "ok")},
                    body={
                        "type": "object",
                        "required": ["auto_accept"],
                        "properties": {"auto_accept": {"type": "boolean"}},
                    },
                    params=lid,
                )
            },
            f"{learner}/holdings": {
                "get": _op(
                    "Accepted holdings, newest first, filtered, cursor-paginated",
                    {"200": _json(_ref("HoldingPage"), "a page")},
                    params=[*lid, *LIST_PARAMS],
                )
            },
            f"{learner}/holdings/counts": {
                "get": _op("Counts per status", {"200": _json(_ref("Counts"), "ok")}, params=lid)
            },
            f"{learner}/holdings/import": {
                "post": {
                    **_op(
                        "Import a credential (JSON or baked PNG); verified first",
                        {"201": holding},
                        params=lid,
                        errors=(400, 404, 409, 415, 422),
                    ),
                    "requestBody": {
                        "required": True,
                        "content": {
                            JSON: {"schema": {"type": "object"}},
                            "image/png": {"schema": {"type": "string", "format": "binary"}},
                        },
                    },
                }
            },
            f"{learner}/holdings/{{holding_id}}": {
                "get": _op("One holding with its full credential", {"200": holding}, params=hid)
            },
            f"{learner}/holdings/{{holding_id}}/export": {
                "get": _op(
                    "The credential alone (download)",
                    {"200": _json({"type": "object"}, "the credential")},
                    params=hid,
                )
            },
            f"{learner}/offers": {
                "get": _op(
                    "Pending offers",
                    {"200": _json(_ref("HoldingPage"), "a page")},
                    params=[*lid, *LIST_PARAMS],
                )
            },
            f"{learner}/offers/{{holding_id}}/accept": {
                "post": _op("Accept an offer", {"200": holding}, params=hid, errors=(404, 409))
            },
            f"{learner}/offers/{{holding_id}}/decline": {
                "post": _op(
                    "Decline an offer",
                    {"200": holding},
                    params=hid,
                    body={"type": "object", "properties": {"reason": {"type": "string"}}},
                    errors=(400, 404, 409),
                )
            },
            f"{learner}/pathways": {
                "get": _op(
                    "Progress on the pathways the learner has started",
                    {
                        "200": _json(
                            {
                                "type": "object",
                                "properties": {
                                    "items": {"type": "array", "items": _ref("PathwayProgress")}
                                },
                            },
                            "ok",
                        )
                    },
                    params=lid,
                )
            },
            f"{learner}/presentations": {
                "post": _op(
                    "A verifiable presentation signed by the learner's key (all accepted "
                    "holdings unless holding_ids)",
                    {"201": _json({"type": "object"}, "the signed presentation")},
                    body={
                        "type": "object",
                        "properties": {
                            "holding_ids": {"type": "array", "items": {"type": "string"}},
                            "challenge": {"type": "string"},
                            "domain": {"type": "string"},
                        },
                    },
                    params=lid,
                    errors=(400, 404, 409, 415),
                )
            },
            f"{learner}/share-links": {
                "post": _op(
                    "Create a share link",
                    {"201": _json(_ref("ShareLink"), "created")},
                    body={
                        "type": "object",
                        "required": ["holding_ids"],
                        "properties": {
                            "holding_ids": {"type": "array", "items": {"type": "string"}},
                            "expires_in_seconds": {"type": "integer", "minimum": 1},
                            "label": {"type": "string"},
                        },
                    },
                    params=lid,
                    errors=(400, 404, 409, 415),
                ),
                "get": _op(
                    "The learner's share links",
                    {
                        "200": _json(
                            {
                                "type": "object",
                                "properties": {
                                    "items": {"type": "array", "items": _ref("ShareLink")}
                                },
                            },
                            "ok",
                        )
                    },
                    params=lid,
                ),
            },
            f"{learner}/share-links/{{link_id}}": {
                "delete": _op(
                    "Revoke a share link",
                    {"200": _json(_ref("ShareLink"), "revoked")},
                    params=[*lid, _path("link_id")],
                )
            },
            "/s/{token}": {
                "get": _op(
                    "Public share URL: the credential JSON (Accept: application/json, "
                    "application/vc) or an HTML page with a live verification report",
                    {
                        "200": {
                            "description": "the shared credential(s)",
                            "content": {
                                JSON: {"schema": {"type": "object"}},
                                "application/vc": {"schema": {"type": "object"}},
                                "text/html": {"schema": {"type": "string"}},
                            },
                        }
                    },
                    params=[
                        _path("token"),
                        _query("format", {"enum": ["json"]}),
                        _query("credential"),
                    ],
                    errors=(404, 406, 410),
                    public=True,
                )
            },
        },
    }
