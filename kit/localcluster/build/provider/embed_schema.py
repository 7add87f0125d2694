"""Write the provider's two embedded files, as upstream's cmd/pulumi-resource-kubernetes/generate.go
does: its schema with the version the SDK asks for, and its Terraform mapping, both compacted."""

import json
import sys
from pathlib import Path


def main(source: str, version: str, out: str) -> None:
    src, dst = Path(source), Path(out)
    schema = json.loads((src / "schema.json").read_text())
    schema["version"] = version
    (dst / "schema-embed.json").write_text(json.dumps(schema, separators=(",", ":")))
    mapping = json.loads((src / "terraform-mapping.json").read_text())
    (dst / "terraform-mapping-embed.json").write_text(json.dumps(mapping, separators=(",", ":")))


if __name__ == "__main__":
    main(*sys.argv[1:])
