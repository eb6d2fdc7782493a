"""service_layer layer of the verifier service."""
