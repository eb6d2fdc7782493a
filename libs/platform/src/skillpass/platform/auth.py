"""Who is calling, and what they may do.

The gateway checks the caller's bearer JWT and forwards the same token to the services, and every
service checks it again (authorization is enforced in each service, not only at the door). Tokens
are EdDSA or RS256, verified against a key set (JWKS) from settings; in dev mode a local Ed25519
key signs them (:class:`DevTokenSigner`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


class Role(StrEnum):
    PLATFORM_ADMIN = "platform-admin"
    ISSUER_ADMIN = "issuer-admin"  # acts within their tenant
    LEARNER = "learner"  # their own wallet only
    PARTNER = "partner"  # events and credentials of the tenants they are entitled to
    VERIFIER = "verifier"
    SERVICE = "service"  # a platform service account, bound to one tenant


class AuthError(Exception):
    """Authentication failed (401) or the caller may not do this (403). The message is safe to
    return to the caller; it never echoes the token."""

    def __init__(self, message: str, *, status: int = 401, code: str = "unauthenticated") -> None:
        super().__init__(message)
        self.status = status
        self.code = code


def forbidden(message: str) -> AuthError:
    return AuthError(message, status=403, code="forbidden")


@dataclass(frozen=True, slots=True, kw_only=True)
class Principal:
    subject: str
    tenant: str | None = None
    roles: frozenset[Role] = frozenset()
    scopes: frozenset[str] = frozenset()
    # Tenants a partner may see events and credentials of (claim ``partner_of``).
    partner_of: frozenset[str] = frozenset()
    learner_id: str | None = None
    token: str | None = field(default=None, repr=False)  # forwarded to the services, never logged

    def has(self, *roles: Role) -> bool:
        return any(role in self.roles for role in roles)

    def may_administer(self, tenant_id: str) -> bool:
        """Issue, revoke, edit the catalogue of ``tenant_id``."""
        if self.has(Role.PLATFORM_ADMIN):
            return True
        return self.has(Role.ISSUER_ADMIN, Role.SERVICE) and self.tenant == tenant_id

    def may_see_tenant(self, tenant_id: str) -> bool:
        return self.may_administer(tenant_id) or (
            self.has(Role.PARTNER) and tenant_id in self.partner_of
        )

    def may_use_wallet(self, learner_id: str) -> bool:
        return self.has(Role.PLATFORM_ADMIN) or (
            self.has(Role.LEARNER) and (self.learner_id or self.subject) == learner_id
        )

    def require_admin_of(self, tenant_id: str) -> None:
        if not self.may_administer(tenant_id):
            raise forbidden(f"not an administrator of tenant {tenant_id}")

    def require_wallet_of(self, learner_id: str) -> None:
        if not self.may_use_wallet(learner_id):
            raise forbidden("a learner may use only their own wallet")

    def require(self, *roles: Role) -> None:
        if not self.has(*roles):
            raise forbidden("needs one of the roles: " + ", ".join(sorted(roles)))


ALGORITHMS = ("EdDSA", "RS256")


class TokenVerifier:
    """Verifies bearer JWTs against a JWKS (by ``kid``), audience and issuer."""

    def __init__(self, jwks: Mapping[str, Any], *, audience: str, issuer: str) -> None:
        key_set = jwt.PyJWKSet.from_dict(dict(jwks))
        self._keys = {key.key_id: key for key in key_set.keys}
        self._audience = audience
        self._issuer = issuer

    @classmethod
    def from_json(cls, jwks_json: str, *, audience: str, issuer: str) -> TokenVerifier:
        return cls(json.loads(jwks_json), audience=audience, issuer=issuer)

    def verify(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise AuthError("the bearer token is not a JWT") from None
        key = self._keys.get(header.get("kid"))
        if key is None:
            raise AuthError("the bearer token is signed by an unknown key")
        try:
            claims = jwt.decode(
                token,
                key=key,
                algorithms=list(ALGORITHMS),
                audience=self._audience,
                issuer=self._issuer,
                options={"require": ["exp", "sub", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise AuthError("the bearer token has expired") from None
        except jwt.PyJWTError as exc:
            raise AuthError(f"the bearer token is not valid: {type(exc).__name__}") from None
        return principal_from_claims(claims, token=token)


def principal_from_claims(claims: Mapping[str, Any], *, token: str | None = None) -> Principal:
    roles: set[Role] = set()
    for raw in claims.get("roles", []):
        try:
            roles.add(Role(raw))
        except ValueError:
            continue  # roles of other applications sharing the identity provider
    scope = claims.get("scope", "")
    return Principal(
        subject=str(claims["sub"]),
        tenant=claims.get("tenant"),
        roles=frozenset(roles),
        scopes=frozenset(scope.split()) if isinstance(scope, str) else frozenset(),
        partner_of=frozenset(claims.get("partner_of", [])),
        learner_id=claims.get("learner_id"),
        token=token,
    )


def bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise AuthError("missing bearer token")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError("the Authorization header must be 'Bearer <token>'")
    return token.strip()


class DevTokenSigner:
    """A local Ed25519 signing key for dev mode and tests: issues tokens the verifier accepts."""

    def __init__(self, *, issuer: str, audience: str, key_id: str = "dev-1") -> None:
        self._key = Ed25519PrivateKey.generate()
        self.issuer = issuer
        self.audience = audience
        self.key_id = key_id

    def __repr__(self) -> str:
        return f"DevTokenSigner(issuer={self.issuer!r}, key_id={self.key_id!r})"

    def jwks(self) -> dict[str, Any]:
        public = json.loads(jwt.algorithms.OKPAlgorithm.to_jwk(self._key.public_key()))
        return {"keys": [{**public, "kid": self.key_id, "alg": "EdDSA", "use": "sig"}]}

    def verifier(self) -> TokenVerifier:
        return TokenVerifier(self.jwks(), audience=self.audience, issuer=self.issuer)

    def token(
        self,
        subject: str,
        *,
        now: datetime,
        roles: Iterable[Role] = (),
        tenant: str | None = None,
        partner_of: Iterable[str] = (),
        learner_id: str | None = None,
        lifetime: timedelta = timedelta(hours=12),
    ) -> str:
        claims: dict[str, Any] = {
            "sub": subject,
            "iss": self.issuer,
            "aud": self.audience,
            "iat": int(now.timestamp()),
            "exp": int((now + lifetime).timestamp()),
            "roles": [str(r) for r in roles],
        }
        if tenant is not None:
            claims["tenant"] = tenant
        if partner_of:
            claims["partner_of"] = list(partner_of)
        if learner_id is not None:
            claims["learner_id"] = learner_id
        return jwt.encode(claims, self._key, algorithm="EdDSA", headers={"kid": self.key_id})
