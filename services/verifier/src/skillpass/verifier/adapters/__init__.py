"""adapters layer of the verifier service."""
