"""The walkthrough's commands (`python -m kit status|open|traffic|break|heal|verify`), each
talking to the cluster through the kubernetes client. Problems outside the kit's code (no
cluster, wrong context, a backend down) end in one line on stderr and exit code 2."""

from __future__ import annotations

import argparse
import sys

from kit.cli.arguments import COMMANDS, add_parsers
from kit.cli.errors import USAGE_OR_ENVIRONMENT, KitError

__all__ = ["COMMANDS", "add_parsers", "run"]


def run(args: argparse.Namespace) -> int:
    """Run the chosen subcommand, turning environment problems into one line and exit 2."""
    import urllib3  # with the kubernetes client: only once a command runs, not for --help
    from kubernetes.client.exceptions import ApiException

    try:
        return args.run(args)
    except KitError as err:
        return _fail(str(err))
    except ApiException as err:
        return _fail(f"Kubernetes API: HTTP {err.status} {err.reason}")
    except urllib3.exceptions.HTTPError as err:
        return _fail(f"lost the Kubernetes API: {getattr(err, 'reason', None) or err}")
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130
    except Exception as err:
        if type(err).__module__.startswith("botocore"):  # no credentials, no endpoint, denied
            return _fail(f"AWS: {err}")
        raise


def _fail(message: str) -> int:
    print(f"kit: {message}", file=sys.stderr)
    return USAGE_OR_ENVIRONMENT
