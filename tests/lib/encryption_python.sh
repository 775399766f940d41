# shellcheck shell=bash
# The official Python SDK and encryption middleware for the encryption tests:
# PyPI inngest_encryption and inngest at the versions
# tests/vectors/encryption/requirements.txt pins, installed into a virtual
# environment under build/ (again only when requirements.txt changes), and
# python_client (python_client.py there).  It sources tests/lib/nginx.sh.
# shellcheck source=tests/lib/nginx.sh
source "$(dirname "${BASH_SOURCE[0]}")/nginx.sh"

ENC_PY_DIR=$E2E_ROOT/build/python/encryption-client

enc_python_install() {
	local vec=$E2E_ROOT/tests/vectors/encryption sum
	sum=$(sha256sum "$vec/requirements.txt" | cut -d' ' -f1)
	[[ $(cat "$ENC_PY_DIR/.requirements-sha256" 2>/dev/null) == "$sum" ]] && return 0
	rm -rf "$ENC_PY_DIR"
	python3 -m venv "$ENC_PY_DIR" >"$E2E_DIR/venv.log" 2>&1 ||
		{ cat "$E2E_DIR/venv.log" >&2; abort "python3 -m venv works (Debian's python3-venv: contrib/install-deps.sh check)"; }
	"$ENC_PY_DIR/bin/pip" install -q --disable-pip-version-check -r "$vec/requirements.txt" >"$E2E_DIR/pip.log" 2>&1 ||
		{ cat "$E2E_DIR/pip.log" >&2; abort "pip installs the official Python middleware (tests/vectors/encryption/requirements.txt)"; }
	echo "$sum" >"$ENC_PY_DIR/.requirements-sha256"
}

# python_client send URL KEY | step KEY [FALLBACK] | open KEY   (see python_client.py)
python_client() { "$ENC_PY_DIR/bin/python" "$E2E_ROOT/tests/vectors/encryption/python_client.py" "$@"; }
