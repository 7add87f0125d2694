"""Print the Fargate size of the sample app's back tier with and without the sidecar.

Run: venv/bin/python -m components.platforms.eks.bench_fargate_size [--app-cpu 100m]
[--app-memory 160Mi]
The app container requests (= limit) what components/sample_app.py gives it, 100m / 160Mi,
unless told otherwise; tests/components/test_sample_app_component.py sizes the real pod spec.
"""

from __future__ import annotations

import argparse

from agent.backends import Resources
from components.platforms.eks.fargate_sidecar import DEFAULT_SIDECAR_RESOURCES, add_fargate_sidecar
from components.platforms.eks.fargate_sizing import billed_size, pod_request


def back_tier_pod(app: Resources) -> dict:
    amounts = {"cpu": app.cpu, "memory": app.memory}
    return {
        "containers": [
            {
                "name": "back",
                "image": "python:3.13-slim",
                "command": ["python", "-m", "app.back"],
                "resources": {"requests": dict(amounts), "limits": dict(amounts)},
            }
        ]
    }


def report(app: Resources, sidecar: Resources) -> list[str]:
    plain = back_tier_pod(app)
    with_sidecar = add_fargate_sidecar(plain, app_container="back", resources=sidecar)
    lines = []
    for label, spec in (("without sidecar", plain), ("with sidecar", with_sidecar)):
        request = pod_request(spec["containers"], spec.get("initContainers", ()))
        lines.append(
            f"{label:16} requests {request.millicores}m / {request.memory_mib:.0f}Mi "
            f"+ 256Mi -> billed {billed_size(spec)}"
        )
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app-cpu", default="100m")
    parser.add_argument("--app-memory", default="160Mi")
    args = parser.parse_args(argv)
    app = Resources(cpu=args.app_cpu, memory=args.app_memory)
    print(
        f"app {app.cpu}/{app.memory}, sidecar {DEFAULT_SIDECAR_RESOURCES.cpu}/"
        f"{DEFAULT_SIDECAR_RESOURCES.memory} (requests = limits)"
    )
    print("\n".join(report(app, DEFAULT_SIDECAR_RESOURCES)))


if __name__ == "__main__":
    main()
