"""Who may see and change which wallet (enforced here, not only at the gateway).

- a learner: their own wallet, read and write;
- a platform admin: any wallet (support, the sign-up flow that adds verified identifiers);
- a tenant's platform service account: reads a learner's holdings, but only those the tenant
  issued; changes nothing.
Verified identifiers are added only by a platform admin: they decide which credentials a learner
receives, so a learner cannot assert them.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from skillpass.platform.auth import AuthError, Principal, Role, bearer_token, forbidden
from skillpass.wallet.bootstrap import WalletRuntime


def runtime_of(request: Request) -> WalletRuntime:
    runtime: WalletRuntime = request.state.wallet
    return runtime


def principal_of(request: Request) -> Principal:
    verifier = runtime_of(request).token_verifier
    if verifier is None:
        raise AuthError("this wallet is not configured to check tokens")
    return verifier.verify(bearer_token(request.headers.get("authorization")))


@dataclass(frozen=True, slots=True, kw_only=True)
class ReadScope:
    learner_id: str
    tenant_id: str | None  # set: only holdings this tenant issued


def read_scope(principal: Principal, learner_id: str) -> ReadScope:
    if principal.may_use_wallet(learner_id):
        return ReadScope(learner_id=learner_id, tenant_id=None)
    if principal.has(Role.SERVICE) and principal.tenant:
        return ReadScope(learner_id=learner_id, tenant_id=principal.tenant)
    raise forbidden("a learner may use only their own wallet")


def require_owner(principal: Principal, learner_id: str) -> None:
    principal.require_wallet_of(learner_id)


def require_identifier_admin(principal: Principal) -> None:
    principal.require(Role.PLATFORM_ADMIN)


def own_learner_id(principal: Principal) -> str:
    return principal.learner_id or principal.subject
