"""domain layer of the issuer service."""
