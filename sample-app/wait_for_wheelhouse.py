"""Run a command once the wheelhouse answers: a tier's init container installs the app's wheels
from it, and a tier may start before the wheelhouse has downloaded them, so it waits instead of
failing its install, and gives up after a bound (the kubelet then starts it again).

Usage: python wait_for_wheelhouse.py URL TIMEOUT_S -- COMMAND [ARG...]
"""

from __future__ import annotations

import os
import sys
import time
import urllib.error
import urllib.request

POLL_S = 2.0
SAY_EVERY_S = 10.0
ATTEMPT_TIMEOUT_S = 5.0
USAGE = "usage: wait_for_wheelhouse.py URL TIMEOUT_S -- COMMAND [ARG...]"


def say(message: str) -> None:
    print(f"wait_for_wheelhouse: {message}", file=sys.stderr, flush=True)


def answer(url: str) -> str | None:
    """None when `url` answers 200, else why not."""
    try:
        with urllib.request.urlopen(url, timeout=ATTEMPT_TIMEOUT_S) as response:
            return None if response.status == 200 else f"HTTP {response.status}"
    except urllib.error.HTTPError as error:
        return f"HTTP {error.code}"
    except (OSError, ValueError) as error:
        return str(getattr(error, "reason", error))


def wait(url: str, timeout_s: float) -> str | None:
    """None once `url` answers within `timeout_s` seconds, else the last reason it did not."""
    start = last_said = time.monotonic()
    while (why := answer(url)) is not None:
        waited = time.monotonic() - start
        if waited >= timeout_s:
            return why
        if time.monotonic() - last_said >= SAY_EVERY_S:
            say(f"still waiting for {url} ({why}), {waited:.0f} s of {timeout_s:.0f} s")
            last_said = time.monotonic()
        time.sleep(min(POLL_S, max(0.0, timeout_s - waited)))
    return None


def main(argv: list[str]) -> int:
    if len(argv) < 4 or argv[2] != "--":
        say(USAGE)
        return 2
    url, timeout, command = argv[0], float(argv[1]), argv[3:]
    say(f"waiting up to {timeout:.0f} s for the wheelhouse at {url}")
    why = wait(url, timeout)
    if why is not None:
        say(
            f"gave up: {url} did not answer within {timeout:.0f} s (last: {why}); "
            "see `kubectl logs deploy/sample-wheelhouse --all-containers` in this namespace"
        )
        return 1
    say(f"{url} answers; running {command[0]}")
    os.execvp(command[0], command)
    return 0  # not reached: exec replaces this process


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
