"""Errors that mean "a backend is down", not "this request or record is wrong"."""

from __future__ import annotations

from aiokafka.errors import KafkaConnectionError, KafkaTimeoutError
from pymongo.errors import ConnectionFailure, ServerSelectionTimeoutError

# HTTP answers these with 503 (clients and probes retry); consumers retry the record after
# rejoining instead of dead-lettering it.
BACKEND_UNAVAILABLE = (
    ConnectionFailure,
    ServerSelectionTimeoutError,
    KafkaConnectionError,
    KafkaTimeoutError,
)
