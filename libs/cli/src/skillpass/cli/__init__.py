"""skillpass.cli: the one command line for the platform."""
