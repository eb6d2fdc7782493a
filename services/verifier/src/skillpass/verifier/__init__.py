"""skillpass.verifier service."""
