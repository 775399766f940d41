# shellcheck shell=bash
# The browser tests' driver: a script of tests/e2e/ui/ run by Node with
# playwright-core from npm, pinned by tests/e2e/ui/package-lock.json (it
# drives Debian's Chromium and never downloads a browser).  The packages are
# installed under build/e2e-ui, again only when the lockfile changes; every
# browser test shares them.  It sources tests/lib/nginx.sh.
#
#   ui_driver_install SCRIPT   `npm ci` of the lockfile when needed, and SCRIPT (a file of
#                              tests/e2e/ui/) beside the packages: run it as
#                              node "$UI_DRIVER_DIR/SCRIPT".  Aborts when npm fails.

# shellcheck source=tests/lib/nginx.sh
source "$(dirname "${BASH_SOURCE[0]}")/nginx.sh"

UI_DRIVER_DIR=$E2E_ROOT/build/e2e-ui

ui_driver_install() {
	local ui=$E2E_ROOT/tests/e2e/ui lock_sum
	lock_sum=$(sha256sum "$ui/package-lock.json" | cut -d' ' -f1)
	if [[ $(cat "$UI_DRIVER_DIR/.lock-sha256" 2>/dev/null) != "$lock_sum" ]]; then
		rm -rf "$UI_DRIVER_DIR"
		mkdir -p "$UI_DRIVER_DIR"
		cp "$ui/package.json" "$ui/package-lock.json" "$UI_DRIVER_DIR/"
		(cd "$UI_DRIVER_DIR" && npm ci --no-audit --no-fund --loglevel=error >"$E2E_DIR/npm-ui.log" 2>&1) || {
			cat "$E2E_DIR/npm-ui.log" >&2
			abort "npm ci installs the browser driver's packages (tests/e2e/ui/package-lock.json)"
		}
		echo "$lock_sum" >"$UI_DRIVER_DIR/.lock-sha256"
	fi
	cp "$ui/$1" "$UI_DRIVER_DIR/"
}
