# shellcheck shell=bash
# Helpers for the deployment tests (tests/e2e/test_deploy_*.sh).  It sources
# tests/lib/nginx.sh (e2e_build_dir; nginx_start edits the snippet by sed).
#
#   wait_socket PATH                     until a Unix socket exists at PATH
#   render_units DIR SBINDIR             the systemd units as `make install` writes them
#   json_lines_only FILE                 fails (naming the line) unless every line is a JSON object

# shellcheck source=tests/lib/nginx.sh
source "$(dirname "${BASH_SOURCE[0]}")/nginx.sh"

wait_socket() {
	local path=$1 i
	for ((i = 0; i < E2E_WAIT_SECS * 10; i++)); do
		[[ -S $path ]] && return 0
		sleep 0.1
	done
	echo "wait_socket: no socket at $path after $E2E_WAIT_SECS s" >&2
	return 1
}

# The same substitutions as the Makefile's INSTALL_SUBST for the paths the
# units name.
render_units() {
	local dir=$1 sbindir=$2 u
	mkdir -p "$dir"
	for u in inngest-fcgi.socket inngest-fcgi.service inngest-fcgi@.socket inngest-fcgi@.service; do
		sed -e "s|@SBINDIR@|$sbindir|g" -e 's|@SYSCONFDIR@|/etc|g' \
			-e 's|@DOCDIR@|/usr/local/share/doc/inngest-fcgi|g' \
			"$E2E_ROOT/contrib/systemd/$u.in" >"$dir/$u"
	done
}

json_lines_only() {
	local file=$1 n=0 line
	while IFS= read -r line; do
		n=$((n + 1))
		if ! jq -e 'type == "object"' <<<"$line" >/dev/null 2>&1; then
			echo "json_lines_only: $file line $n is not a JSON object: ${line:0:200}" >&2
			return 1
		fi
	done <"$file"
	((n > 0))
}
