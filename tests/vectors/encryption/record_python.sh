#!/usr/bin/env bash
# Re-records vectors_python.json with the Python middleware, at the versions
# requirements.txt pins (PyPI, into a virtual environment under build/); it
# also checks that the Python middleware opens vectors.json's envelopes.  Not
# run by make check, which only reads the recorded file.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
venv="$root/build/python/encryption-vectors"
[[ -x $venv/bin/python ]] || python3 -m venv "$venv"
"$venv/bin/pip" install -q -r "$here/requirements.txt"
"$venv/bin/python" "$here/record_python.py" "$here/vectors.json" >"$venv/vectors_python.json"
mv "$venv/vectors_python.json" "$here/vectors_python.json"
echo "recorded $here/vectors_python.json"
