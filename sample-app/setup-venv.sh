#!/usr/bin/env bash
# Build sample-app/.venv from the hash-locked requirements.txt, the way the image and the
# init container install it, so the tests run the app on exactly the pinned dependencies.
# Usage: sample-app/setup-venv.sh   (PYTHON=/path/to/python3.11 to choose the interpreter)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
python="${PYTHON:-python3}"
# The lock file is resolved for the image's Python minor; another minor may need other wheels.
want="3.11"
have="$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
if [[ "$have" != "$want" ]]; then
  echo "setup-venv.sh: $python is Python $have; the sample app is locked for $want" >&2
  exit 1
fi

"$python" -m venv --clear "$here/.venv"
"$here/.venv/bin/python" -m pip install --quiet --disable-pip-version-check \
  --require-hashes --only-binary=:all: -r "$here/requirements.txt"
echo "sample-app/.venv ready: $("$here/.venv/bin/python" --version)"
