"""Dispatches a command to its handler with the wallet's dependencies."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from skillpass.wallet.service_layer.dependencies import WalletDeps
from skillpass.wallet.service_layer.handlers import COMMAND_HANDLERS, Handler
from skillpass.wallet.service_layer.messages import Command

R = TypeVar("R")


class MessageBus:
    def __init__(
        self, deps: WalletDeps, handlers: Mapping[type[Command[Any]], Handler] = COMMAND_HANDLERS
    ) -> None:
        self.deps = deps
        self._handlers = handlers

    async def handle(self, command: Command[R]) -> R:
        handler = self._handlers.get(type(command))
        if handler is None:
            raise LookupError(f"no handler for {type(command).__name__}")
        return cast(R, await handler(command, self.deps))
