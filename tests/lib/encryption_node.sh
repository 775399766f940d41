# shellcheck shell=bash
# The official encryption middleware for the encryption tests: npm
# @inngest/middleware-encryption and its peers at the versions
# tests/vectors/encryption/package.json pins, installed under build/ (again
# only when package.json changes), and node_client (node_client.js there).
# It sources tests/lib/nginx.sh (E2E_ROOT, E2E_DIR, abort).
# shellcheck source=tests/lib/nginx.sh
source "$(dirname "${BASH_SOURCE[0]}")/nginx.sh"

ENC_VEC=$E2E_ROOT/tests/vectors/encryption
ENC_NODE_DIR=$E2E_ROOT/build/node/encryption-vectors

enc_node_install() {
	node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' 2>/dev/null ||
		abort "Node.js >= 20 runs the official middleware (node: $(node --version 2>&1 || echo none))"
	local sum
	sum=$(sha256sum "$ENC_VEC/package.json" | cut -d' ' -f1)
	[[ $(cat "$ENC_NODE_DIR/.package-sha256" 2>/dev/null) == "$sum" ]] && return 0
	rm -rf "$ENC_NODE_DIR"
	mkdir -p "$ENC_NODE_DIR"
	cp "$ENC_VEC/package.json" "$ENC_NODE_DIR/"
	(cd "$ENC_NODE_DIR" && npm install --no-audit --no-fund --ignore-scripts --loglevel=error >"$E2E_DIR/npm.log" 2>&1) || {
		cat "$E2E_DIR/npm.log" >&2
		abort "npm installs the official middleware (tests/vectors/encryption/package.json)"
	}
	echo "$sum" >"$ENC_NODE_DIR/.package-sha256"
}

# node_client seal|open|step KEY < JSON (see node_client.js)
node_client() { NODE_PATH=$ENC_NODE_DIR/node_modules node "$ENC_VEC/node_client.js" "$@"; }
