"""local: deploy into an existing cluster (platform.py is its Platform)."""
