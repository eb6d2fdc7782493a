"""The message bus: routes each command to its one handler with the service's dependencies."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import structlog

from skillpass.issuer.service_layer.commands import Command
from skillpass.issuer.service_layer.handlers import COMMAND_HANDLERS, Dependencies, Handler

log = structlog.get_logger(__name__)


class MessageBus:
    def __init__(
        self, deps: Dependencies, handlers: Mapping[type[Command], Handler] = COMMAND_HANDLERS
    ) -> None:
        self.deps = deps
        self._handlers = dict(handlers)

    async def handle(self, command: Command) -> Any:
        handler = self._handlers.get(type(command))
        if handler is None:
            raise LookupError(f"no handler for {type(command).__name__}")
        return await handler(command, self.deps)
