"""service_layer layer of the issuer service."""
