"""A spy on the verifier's status-list check: which lists had their proof checked."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from skillpass.vc.dids import DidResolver
from skillpass.vc.result import VerificationResult
from skillpass.verifier.adapters.vc_core import verify_list_credential


@dataclass
class ListProofs:
    """The core's list check, counting the lists it is asked about (by URL)."""

    checked: list[str] = field(default_factory=list)

    def __call__(
        self, document: Mapping[str, Any], resolver: DidResolver, now: datetime
    ) -> VerificationResult:
        self.checked.append(str(document.get("id")))
        return verify_list_credential(document, resolver, now)
