"""skillpass.issuer service."""
