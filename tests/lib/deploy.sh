# shellcheck shell=bash
# Helpers for the deployment tests (tests/e2e/test_deploy_*.sh).  Source
# tests/lib/nginx.sh first.
#
#   deploy_build_dir                     absolute build dir (BUILD_DIR, default build/asan)
#   nginx_start_edited PREFIX PORT UPSTREAM SED_EXPR…
#                                        nginx_start with the snippet edited by sed (a short
#                                        read timeout, the documented strict variant)
#   wait_socket PATH                     until a Unix socket exists at PATH
#   render_units DIR SBINDIR             the systemd units as `make install` writes them
#   json_lines_only FILE                 fails (naming the line) unless every line is a JSON object

deploy_build_dir() {
	local d=${BUILD_DIR:-build/asan}
	[[ $d == /* ]] || d=$E2E_ROOT/$d
	echo "$d"
}

nginx_start_edited() {
	local prefix=$1 port=$2 upstream=$3 nginx e
	shift 3
	local -a edits=()
	for e in "$@"; do edits+=(-e "$e"); done
	nginx=$(nginx_bin)
	mkdir -p "$prefix/tmp"
	prefix=$(cd "$prefix" && pwd)
	[[ $EUID == 0 ]] && chmod 0711 "$prefix"
	sed "${edits[@]}" "$E2E_ROOT/nginx/inngest-fcgi.conf" >"$prefix/inngest-fcgi.conf"
	sed -e "s|@PORT@|$port|g" -e "s|@UPSTREAM@|$upstream|g" \
		"$E2E_ROOT/nginx/nginx.conf.template" >"$prefix/nginx.conf"
	if ! "$nginx" -p "$prefix/" -c "$prefix/nginx.conf" -e "$prefix/error.log" || ! wait_port "$port"; then
		echo "nginx_start_edited: nginx did not start on 127.0.0.1:$port; its log:" >&2
		tail -n 20 "$prefix/error.log" >&2
		return 1
	fi
}

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
