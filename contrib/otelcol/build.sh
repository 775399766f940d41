#!/usr/bin/env bash
# Print the path of an OpenTelemetry Collector built from the core
# distribution's Go modules (contrib/otelcol/manifest.yaml) on stdout;
# progress goes to stderr.  The collector's builder (ocb) comes from the Go
# module proxy by name and version; the build is kept outside the checkout
# and reused until the manifest changes.  Takes a few minutes the first time
# on a 2-core machine (most of it compiling).
set -euo pipefail
VERSION=v0.165.0
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/inngest-fcgi/otelcol-$VERSION"
BIN=$CACHE/dist/otelcol-inngest-fcgi-e2e
log() { echo "otelcol: $*" >&2; }

sum=$(sha256sum "$HERE/manifest.yaml" | cut -d' ' -f1)
if [[ -x $BIN && $(cat "$CACHE/.manifest-sha256" 2>/dev/null) == "$sum" ]]; then
	echo "$BIN"
	exit 0
fi
command -v go >/dev/null || { log "go is not installed (contrib/install-deps.sh check checks for it)"; exit 1; }
mkdir -p "$CACHE"
if [[ ! -x $CACHE/bin/builder ]]; then
	log "installing the collector builder $VERSION from the Go module proxy"
	GOBIN=$CACHE/bin go install "go.opentelemetry.io/collector/cmd/builder@$VERSION" >&2
fi
sed "s|^dist:|dist:\n  output_path: $CACHE/dist|" "$HERE/manifest.yaml" >"$CACHE/manifest.yaml"
log "building the collector (core modules $VERSION) into $CACHE/dist"
start=$SECONDS
"$CACHE/bin/builder" --config "$CACHE/manifest.yaml" >"$CACHE/build.log" 2>&1 || {
	tail -n 30 "$CACHE/build.log" >&2
	log "the build failed (log: $CACHE/build.log)"
	exit 1
}
log "built in $((SECONDS - start)) s"
echo "$sum" >"$CACHE/.manifest-sha256"
echo "$BIN"
