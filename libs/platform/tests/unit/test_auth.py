"""Bearer tokens: checked for key, audience, issuer and expiry; roles bind to tenants, wallets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest

from skillpass.platform.auth import (
    AuthError,
    DevTokenSigner,
    Principal,
    Role,
    TokenVerifier,
    bearer_token,
)

NOW = datetime.now(UTC)  # PyJWT checks exp against the real clock, so tokens are minted "now"


@pytest.fixture
def signer() -> DevTokenSigner:
    return DevTokenSigner(issuer="https://auth.skillpass.test", audience="skillpass")


def test_valid_token_yields_its_principal(signer: DevTokenSigner) -> None:
    token = signer.token("alice", now=NOW, roles=[Role.ISSUER_ADMIN], tenant="mit")
    principal = signer.verifier().verify(token)
    assert principal.subject == "alice"
    assert principal.tenant == "mit"
    assert principal.roles == {Role.ISSUER_ADMIN}
    assert token not in repr(principal)


def test_expired_token_is_refused(signer: DevTokenSigner) -> None:
    token = signer.token("alice", now=NOW - timedelta(days=2), lifetime=timedelta(hours=1))
    with pytest.raises(AuthError, match="expired"):
        signer.verifier().verify(token)


def test_token_from_another_key_is_refused(signer: DevTokenSigner) -> None:
    other = DevTokenSigner(issuer=signer.issuer, audience=signer.audience)
    token = other.token("mallory", now=NOW, roles=[Role.PLATFORM_ADMIN])
    with pytest.raises(AuthError, match="not valid"):
        signer.verifier().verify(token)


def test_wrong_audience_is_refused(signer: DevTokenSigner) -> None:
    token = signer.token("alice", now=NOW)
    verifier = TokenVerifier(signer.jwks(), audience="another-api", issuer=signer.issuer)
    with pytest.raises(AuthError, match="InvalidAudience"):
        verifier.verify(token)


def test_unsigned_token_is_refused(signer: DevTokenSigner) -> None:
    token = jwt.encode({"sub": "x", "roles": ["platform-admin"]}, key="", algorithm="none")
    with pytest.raises(AuthError):
        signer.verifier().verify(token)


def test_garbage_is_not_a_jwt(signer: DevTokenSigner) -> None:
    with pytest.raises(AuthError, match="not a JWT"):
        signer.verifier().verify("not-a-token")


@pytest.mark.parametrize("header", [None, "", "Basic abc", "Bearer ", "Bearer"])
def test_malformed_authorization_header_is_refused(header: str | None) -> None:
    with pytest.raises(AuthError):
        bearer_token(header)


def test_issuer_admin_administers_only_their_tenant() -> None:
    admin = Principal(subject="a", tenant="mit", roles=frozenset({Role.ISSUER_ADMIN}))
    assert admin.may_administer("mit")
    assert not admin.may_administer("harvard")
    with pytest.raises(AuthError) as raised:
        admin.require_admin_of("harvard")
    assert raised.value.status == 403


def test_learner_uses_only_their_own_wallet() -> None:
    learner = Principal(subject="l-1", roles=frozenset({Role.LEARNER}))
    assert learner.may_use_wallet("l-1")
    assert not learner.may_use_wallet("l-2")
    assert not learner.may_administer("mit")


def test_partner_sees_only_entitled_tenants() -> None:
    partner = Principal(subject="p", roles=frozenset({Role.PARTNER}), partner_of=frozenset({"mit"}))
    assert partner.may_see_tenant("mit")
    assert not partner.may_see_tenant("harvard")
    assert not partner.may_administer("mit")


def test_unknown_roles_are_ignored(signer: DevTokenSigner) -> None:
    token = signer.token("x", now=NOW, roles=[Role.LEARNER])
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["roles"] == ["learner"]
