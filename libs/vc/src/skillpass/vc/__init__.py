"""skillpass.vc: the pure standards core (VC 2.0 / OB 3.0, Data Integrity EdDSA, status lists)."""
