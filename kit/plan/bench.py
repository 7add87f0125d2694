"""Benchmark: how long an offline evaluation of each stack takes (goal: <= 3 s per stack).

Cold = a new Python process importing the providers and running the program once, as
`python -m kit plan` does; warm = a second evaluation in the same process.
Run with `make bench` (or `python -m kit.plan.bench [--runs N]`).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

from kit.plan.offline import ROOT, stacks

_COLD = "import time; t=time.perf_counter(); from kit.plan.offline import evaluate; "
_COLD += "evaluate({!r}); print(time.perf_counter()-t)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    print(f"offline evaluation, {runs} runs each (median, seconds)")
    print(f"{'stack':8} {'cold':>7} {'warm':>7} {'resources':>10}")
    for path in stacks():
        stack = path.name.removeprefix("Pulumi.").removesuffix(".yaml")
        cold = [_cold(stack) for _ in range(runs)]
        from kit.plan.offline import evaluate

        evaluate(stack)
        warm, count = [], 0
        for _ in range(runs):
            start = time.perf_counter()
            count = count_resources(evaluate(stack))
            warm.append(time.perf_counter() - start)
        print(
            f"{stack:8} {statistics.median(cold):7.2f} {statistics.median(warm):7.2f} {count:10d}"
        )


def count_resources(evaluation) -> int:
    """Resources as `make plan` counts them: the cloud and Kubernetes ones, not the kit's
    ComponentResources that only group them."""
    return sum(1 for r in evaluation.resources if r.custom)


def _cold(stack: str) -> float:
    done = subprocess.run(
        [sys.executable, "-c", _COLD.format(stack)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(done.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
