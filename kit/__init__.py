"""`python -m kit`: the kit's command line, in two parts: the offline plan (kit/plan) and the
commands against a deployed stack (kit/cli)."""
