"""`python -m kit`: the kit's command line (offline plan, config docs)."""
