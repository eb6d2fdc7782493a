"""domain layer of the verifier service."""
