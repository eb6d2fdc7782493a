"""The OpenAPI 3.1 description served at ``/openapi.json`` (for the gateway's client and for
schemathesis)."""

from __future__ import annotations

from typing import Any, Final

from skillpass.verifier.domain.policy import CHECK_ALIASES, CHECK_NAMES


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_PROBLEM = {
    "description": "RFC 9457 problem",
    "content": {"application/problem+json": {"schema": _ref("Problem")}},
}
_ERRORS = {
    "400": _PROBLEM,
    "401": _PROBLEM,
    "403": _PROBLEM,
    "413": _PROBLEM,
    "415": _PROBLEM,
    "422": _PROBLEM,
    "503": _PROBLEM,
}
_BEARER: list[dict[str, list[str]]] = [{"bearer": []}]
_OPTIONAL_BEARER: list[dict[str, list[str]]] = [{}, {"bearer": []}]

_SCOPE = {
    "name": "scope",
    "in": "path",
    "required": True,
    "description": "'global' or a tenant id",
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"},
}
_DID = {
    "name": "did",
    "in": "path",
    "required": True,
    "description": "the issuer DID as one path segment ('%' itself percent-encoded as '%25')",
    "schema": {"type": "string", "pattern": "^did:[a-z0-9]+:.+$"},
}

_CHECK = {
    "type": "object",
    "required": ["check", "outcome"],
    "properties": {
        "check": {"type": "string", "enum": sorted(CHECK_NAMES)},
        "outcome": {"type": "string", "enum": ["passed", "failed", "skipped", "error"]},
        "reason": {"type": "string"},
        "detail": {"type": "object"},
    },
}
_RESULT = {
    "type": "object",
    "required": ["verified", "checks", "warnings", "errors", "results"],
    "properties": {
        "verified": {"type": "boolean"},
        "checks": {"type": "array", "items": {"type": "string"}},
        "warnings": {"type": "array", "items": {"type": "string"}},
        "errors": {"type": "array", "items": {"type": "string"}},
        "results": {"type": "array", "items": _ref("Check")},
    },
}
_OPTIONS = {
    "type": "object",
    "additionalProperties": True,
    "properties": {
        "challenge": {"type": "string", "minLength": 1},
        "domain": {"type": "string", "minLength": 1},
        "checks": {
            "type": "array",
            "items": {"type": "string", "enum": sorted(CHECK_NAMES | set(CHECK_ALIASES))},
        },
        "requireRegisteredIssuer": {"type": "boolean"},
    },
}
_VERIFY_COMMON = {
    "verified": {"type": "boolean"},
    "verificationId": {"type": "string"},
    "checks": {"type": "array", "items": {"type": "string"}},
    "warnings": {"type": "array", "items": {"type": "string"}},
    "errors": {"type": "array", "items": {"type": "string"}},
    "problemDetails": {"type": "array", "items": {"type": "object"}},
}
_CREDENTIAL_RESULT = {
    "allOf": [
        _ref("Result"),
        {
            "type": "object",
            "properties": {
                "credentialId": {"type": ["string", "null"]},
                "issuer": {"type": ["string", "null"]},
            },
        },
    ]
}
_TRUSTED_ISSUER = {
    "type": "object",
    "properties": {
        "did": {"type": "string"},
        "name": {"type": "string"},
        "scope": {"type": "string"},
        "url": {"type": ["string", "null"]},
        "accreditationBody": {"type": ["string", "null"]},
        "validFrom": {"type": ["string", "null"], "format": "date-time"},
        "validUntil": {"type": ["string", "null"], "format": "date-time"},
        "registry": {"type": ["string", "null"]},
    },
}

OPENAPI: Final[dict[str, Any]] = {
    "openapi": "3.1.0",
    "info": {
        "title": "skillpass verifier",
        "version": "1.0.0",
        "description": "W3C VC-API verification with a per-check report, a verification log "
        "and trust registries.",
    },
    "paths": {
        "/credentials/verify": {
            "post": {
                "operationId": "verifyCredential",
                "security": _OPTIONAL_BEARER,
                "requestBody": _json(
                    {
                        "type": "object",
                        "required": ["verifiableCredential"],
                        "properties": {
                            "verifiableCredential": {"type": "object"},
                            "options": _ref("VerifyOptions"),
                        },
                    },
                    "a credential (VC 2.0 or 1.1, with Data Integrity proofs)",
                ),
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "properties": {
                                **_VERIFY_COMMON,
                                "results": {"type": "array", "items": _ref("Check")},
                            },
                        },
                        "the verification completed (see 'verified')",
                    ),
                    "429": _PROBLEM,
                    **_ERRORS,
                },
            }
        },
        "/presentations/verify": {
            "post": {
                "operationId": "verifyPresentation",
                "security": _OPTIONAL_BEARER,
                "requestBody": _json(
                    {
                        "type": "object",
                        "properties": {
                            "verifiablePresentation": {"type": "object"},
                            "presentation": {
                                "type": "object",
                                "description": "a presentation without proof: only its "
                                "credentials are verified",
                            },
                            "options": _ref("VerifyOptions"),
                        },
                    },
                    "a presentation",
                ),
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "properties": {
                                **_VERIFY_COMMON,
                                "presentationResult": {"oneOf": [_ref("Result"), {"type": "null"}]},
                                "credentialResults": {
                                    "type": "array",
                                    "items": _ref("CredentialResult"),
                                },
                            },
                        },
                        "the verification completed (see 'verified')",
                    ),
                    "429": _PROBLEM,
                    **_ERRORS,
                },
            }
        },
        "/verifications/{verification_id}": {
            "get": {
                "operationId": "getVerification",
                "security": _OPTIONAL_BEARER,
                "parameters": [
                    {
                        "name": "verification_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                    }
                ],
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "properties": {
                                "id": {"type": "string"},
                                "kind": {"type": "string", "enum": ["credential", "presentation"]},
                                "completedAt": {"type": "string", "format": "date-time"},
                                "verified": {"type": "boolean"},
                                "warnings": {"type": "array", "items": {"type": "string"}},
                                "errors": {"type": "array", "items": {"type": "string"}},
                                "presentationResult": {"oneOf": [_ref("Result"), {"type": "null"}]},
                                "credentialResults": {
                                    "type": "array",
                                    "items": _ref("CredentialResult"),
                                },
                            },
                        },
                        "the stored report",
                    ),
                    "404": _PROBLEM,
                    **_ERRORS,
                },
            }
        },
        "/trust/registries/{scope}/issuers": {
            "get": {
                "operationId": "listTrustedIssuers",
                "security": _OPTIONAL_BEARER,
                "parameters": [_SCOPE],
                "responses": {"200": _json(_ref("Registry"), "the registry"), **_ERRORS},
            }
        },
        "/trust/registries/{scope}/issuers/{did}": {
            "put": {
                "operationId": "putTrustedIssuer",
                "security": _BEARER,
                "parameters": [_SCOPE, _DID],
                "requestBody": _json(
                    {
                        "type": "object",
                        "required": ["name"],
                        "additionalProperties": False,
                        "properties": {
                            "name": {"type": "string", "minLength": 1},
                            "url": {"type": "string"},
                            "accreditationBody": {"type": "string"},
                            "validFrom": {"type": "string", "format": "date-time"},
                            "validUntil": {"type": "string", "format": "date-time"},
                        },
                    },
                    "the entry",
                ),
                "responses": {"200": _json(_ref("TrustedIssuer"), "stored"), **_ERRORS},
            },
            "delete": {
                "operationId": "removeTrustedIssuer",
                "security": _BEARER,
                "parameters": [_SCOPE, _DID],
                "responses": {"204": {"description": "removed"}, "404": _PROBLEM, **_ERRORS},
            },
        },
        "/trust/registries/{scope}/import": {
            "post": {
                "operationId": "importTrustRegistry",
                "security": _BEARER,
                "parameters": [
                    _SCOPE,
                    {"name": "name", "in": "query", "required": True, "schema": {"type": "string"}},
                ],
                "requestBody": _json(
                    {
                        "type": "object",
                        "required": ["entries"],
                        "properties": {"meta": {"type": "object"}, "entries": {"type": "object"}},
                    },
                    "a DCC known-DID registry; re-importing a name replaces what it added",
                ),
                "responses": {"200": _json(_ref("Registry"), "the registry"), **_ERRORS},
            }
        },
    },
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        "schemas": {
            "Problem": {
                "type": "object",
                "required": ["type", "title", "status", "detail", "code"],
                "properties": {
                    "type": {"type": "string"},
                    "title": {"type": "string"},
                    "status": {"type": "integer"},
                    "detail": {"type": "string"},
                    "code": {"type": "string"},
                },
            },
            "Check": _CHECK,
            "Result": _RESULT,
            "CredentialResult": _CREDENTIAL_RESULT,
            "VerifyOptions": _OPTIONS,
            "TrustedIssuer": _TRUSTED_ISSUER,
            "Registry": {
                "type": "object",
                "properties": {
                    "scope": {"type": "string"},
                    "issuers": {"type": "array", "items": _ref("TrustedIssuer")},
                },
            },
        },
    },
}
