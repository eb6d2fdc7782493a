"""Typed client ports of the three services (``ports``) and their httpx adapters (``http``)."""
