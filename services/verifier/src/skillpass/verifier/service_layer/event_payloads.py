"""``verifier.verification.completed.v1``: the report as the event payload.

A check that could not be carried out is ERROR (never a pass); unregistered-issuer warnings are
sent as WARNING.
"""

from __future__ import annotations

from google.protobuf.timestamp_pb2 import Timestamp

from skillpass.events.v1 import verifications_pb2 as pb
from skillpass.vc.result import Check, Outcome
from skillpass.verifier.domain.report import Kind, VerificationReport

_OUTCOMES = {
    Outcome.PASSED: pb.CHECK_OUTCOME_PASSED,
    Outcome.FAILED: pb.CHECK_OUTCOME_FAILED,
    Outcome.ERROR: pb.CHECK_OUTCOME_ERROR,
    Outcome.SKIPPED: pb.CHECK_OUTCOME_SKIPPED,
}
_SUBJECTS = {
    Kind.CREDENTIAL: pb.VERIFICATION_SUBJECT_CREDENTIAL,
    Kind.PRESENTATION: pb.VERIFICATION_SUBJECT_PRESENTATION,
}


def _check(scope: str | None, check: Check, warned: bool) -> pb.VerificationCheck:
    name = check.name if scope is None else f"credential[{scope}].{check.name}"
    outcome = pb.CHECK_OUTCOME_WARNING if warned else _OUTCOMES[check.outcome]
    return pb.VerificationCheck(name=name, outcome=outcome, reason=check.reason)


def verification_completed(report: VerificationReport) -> pb.VerificationCompleted:
    completed_at = Timestamp()
    completed_at.FromDatetime(report.completed_at)
    warnings = set(report.warnings())
    return pb.VerificationCompleted(
        verification_id=report.id,
        subject=_SUBJECTS[report.kind],
        credential_ids=[c.credential_id for c in report.credentials if c.credential_id],
        issuer_dids=report.issuers(),
        checks=[
            _check(
                scope,
                check,
                warned=check.name == "trust"
                and check.outcome is Outcome.SKIPPED
                and any(check.reason in w for w in warnings),
            )
            for scope, check in report.all_checks()
        ],
        verified=report.verified,
        completed_at=completed_at,
        tenant_id=report.requester.tenant or "",
    )
