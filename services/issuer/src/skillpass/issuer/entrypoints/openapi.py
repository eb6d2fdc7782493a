"""The OpenAPI 3.1 description of the HTTP API, served at ``/openapi.json``: request bodies are
the pydantic models' JSON Schemas, so the description cannot drift from what is validated."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from skillpass.issuer.entrypoints import schemas as s


@dataclass(frozen=True, slots=True)
class Operation:
    path: str
    method: str
    summary: str
    success: int
    body: type[BaseModel] | None = None
    public: bool = False
    errors: tuple[int, ...] = (400, 401, 403, 404, 409, 413, 415, 422, 503)


OPERATIONS = (
    Operation(
        "/issuers/{slug}/did.json",
        "get",
        "The tenant's did:web DID document (every key ever used)",
        200,
        public=True,
        errors=(404,),
    ),
    Operation(
        "/status-lists/{list_id}",
        "get",
        "A signed BitstringStatusListCredential "
        "(ETag, Cache-Control, 304 on If-None-Match); list_id is <id>-revocation or "
        "<id>-suspension",
        200,
        public=True,
        errors=(404,),
    ),
    Operation(
        "/credentials/issue",
        "post",
        "VC-API: sign a caller-built credential; adds id and two BitstringStatusListEntry",
        201,
        s.VcApiIssueIn,
    ),
    Operation(
        "/credentials/status",
        "post",
        "VC-API: revoke, suspend or reinstate (status active)",
        200,
        s.VcApiStatusIn,
    ),
    Operation(
        "/tenants",
        "post",
        "Create a tenant with its first key (platform admin)",
        201,
        s.CreateTenantIn,
    ),
    Operation("/tenants/{tenant}", "get", "A tenant: profile, DID, public keys", 200),
    Operation(
        "/tenants/{tenant}/keys/rotate",
        "post",
        "Rotate the signing key (the old one is retired, kept in the DID document)",
        200,
    ),
    Operation(
        "/tenants/{tenant}/achievements",
        "post",
        "Create an OB 3.0 Achievement",
        201,
        s.AchievementIn,
    ),
    Operation("/tenants/{tenant}/achievements", "get", "The tenant's achievements", 200),
    Operation(
        "/tenants/{tenant}/achievements/{achievement_id}",
        "get",
        "An achievement (?version=n for an earlier version)",
        200,
    ),
    Operation(
        "/tenants/{tenant}/achievements/{achievement_id}",
        "put",
        "Publish the next version of an achievement",
        200,
        s.AchievementIn,
    ),
    Operation(
        "/tenants/{tenant}/pathways",
        "post",
        "Create a pathway (allOf, nOf, credits)",
        201,
        s.PathwayIn,
    ),
    Operation("/tenants/{tenant}/pathways", "get", "The tenant's pathways", 200),
    Operation("/tenants/{tenant}/pathways/{pathway_id}", "get", "A pathway", 200),
    Operation(
        "/pathways/{pathway_id}/progress",
        "get",
        "Skill gap: what ?recipient= (email, learner id or DID) still needs",
        200,
    ),
    Operation(
        "/tenants/{tenant}/credentials",
        "post",
        "Issue an AchievementCredential from "
        "the catalogue (Idempotency-Key header; 200 with replayed=true on a retry)",
        201,
        s.IssueCredentialIn,
    ),
    Operation(
        "/tenants/{tenant}/credentials/{credential_id}",
        "get",
        "An issued credential and its status",
        200,
    ),
    Operation(
        "/tenants/{tenant}/credentials/{credential_id}/revoke",
        "post",
        "Revoke (final)",
        200,
        s.StatusChangeIn,
    ),
    Operation(
        "/tenants/{tenant}/credentials/{credential_id}/suspend",
        "post",
        "Suspend",
        200,
        s.StatusChangeIn,
    ),
    Operation(
        "/tenants/{tenant}/credentials/{credential_id}/reinstate",
        "post",
        "Lift a suspension",
        200,
        s.StatusChangeIn,
    ),
    Operation(
        "/tenants/{tenant}/batch-jobs",
        "post",
        "Start a batch job (rows are IssueIn objects; per-row errors do not stop it)",
        202,
        s.BatchIn,
    ),
    Operation("/tenants/{tenant}/batch-jobs/{job_id}", "get", "Batch job progress and errors", 200),
    Operation(
        "/tenants/{tenant}/batch-jobs/{job_id}/results",
        "get",
        "Batch job progress, errors and the credential id of each row",
        200,
    ),
)

_PROBLEM = {
    "description": "Problem details (RFC 9457) with a machine-readable code",
    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
}


@functools.cache
def openapi_document() -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    schemas: dict[str, Any] = {
        "Problem": {
            "type": "object",
            "required": ["type", "title", "status", "code"],
            "properties": {
                "type": {"type": "string"},
                "title": {"type": "string"},
                "status": {"type": "integer"},
                "detail": {"type": "string"},
                "code": {"type": "string"},
            },
        }
    }
    for op in OPERATIONS:
        operation: dict[str, Any] = {
            "summary": op.summary,
            "operationId": f"{op.method}_{op.path.strip('/').replace('/', '_')}".replace("{", "")
            .replace("}", "")
            .replace(".", "_")
            .replace("-", "_"),
            "parameters": [
                {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                for name in _path_params(op.path)
            ],
            "responses": {
                str(op.success): {
                    "description": "OK",
                    "content": {"application/json": {"schema": {"type": "object"}}},
                },
                **{str(code): _PROBLEM for code in op.errors},
            },
        }
        if op.path.endswith("/progress"):
            operation["parameters"].append(
                {"name": "recipient", "in": "query", "required": True, "schema": {"type": "string"}}
            )
        if op.path.endswith("/status-lists/{list_id}"):
            operation["responses"]["304"] = {"description": "Not modified"}
        if op.body is not None:
            name = op.body.__name__
            schema = op.body.model_json_schema(
                by_alias=True, ref_template="#/components/schemas/{model}"
            )
            schemas.update(schema.pop("$defs", {}))
            schemas[name] = schema
            operation["requestBody"] = {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}
                },
            }
        if not op.public:
            operation["security"] = [{"bearer": []}]
        paths.setdefault(op.path, {})[op.method] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "skillpass issuer", "version": "1.0.0"},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            },
        },
    }


def _path_params(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{") and part.endswith("}")]
