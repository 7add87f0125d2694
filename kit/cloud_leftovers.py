"""Clean what a stack's cloud can leave behind after `destroy` (today: the control-plane log group
EKS recreates, components/platforms/eks/leftovers.py). `make up` and `make destroy` run it; on a
cloud that leaves nothing it does nothing."""

from __future__ import annotations

import argparse
import sys

from components.platforms import platform
from components.settings import PROJECT
from kit import stackfile


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kit.cloud_leftovers", description=__doc__)
    parser.add_argument("--stack", required=True, choices=stackfile.names())
    args = parser.parse_args(argv)
    try:
        config = stackfile.read(args.stack).config
    except (OSError, ValueError) as err:
        print(f"eks-leftovers: {err}", file=sys.stderr)
        return 2
    platform(config.get(f"{PROJECT}:cloud", "local")).clean_leftovers(args.stack, config)
    return 0


if __name__ == "__main__":
    sys.exit(main())
