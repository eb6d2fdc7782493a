"""entrypoints layer of the verifier service."""
