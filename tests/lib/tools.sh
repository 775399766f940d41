# shellcheck shell=bash
# Every suite checks the commands it runs before it starts, so a machine that
# lacks one gets the package to install and the step that should have
# installed it, not a confusing failure halfway through.  Sourced.
#
#   tools_missing GROUP TOOL...   prints one line per missing TOOL; status 1 if any
#   require_tools GROUP TOOL...   the same on stderr, then exit 1
#
# GROUP is the contrib/install-deps.sh group of the make target running
# (check, fuzz, bench, soak, coverage, fresh, ...).

# The Debian package that provides TOOL ("" for toolchains Debian 12 has too old).
tool_package() {
	case $1 in
	nginx) echo nginx-light ;;
	ss | ip) echo iproute2 ;;
	setsid | unshare | mount | umount | flock) echo util-linux ;;
	pgrep | pkill | ps) echo procps ;;
	timeout | base64 | od | mktemp | sha256sum | sha1sum | dd | stat) echo coreutils ;;
	redis-cli) echo redis-tools ;;
	systemd-analyze | systemd-socket-activate) echo systemd ;;
	strings | nm | objdump | readelf) echo binutils ;;
	cc | gcc | make) echo build-essential ;;
	gcov) echo gcc ;;
	protoc) echo protobuf-compiler ;;
	promtool) echo prometheus ;;
	go | node | npm) echo "" ;;
	*) echo "$1" ;; # curl jq openssl redis-server spawn-fcgi multiwatch sqlite3 clang valgrind wrk gcovr debootstrap git pkg-config
	esac
}

tool_found() {
	command -v "$1" >/dev/null 2>&1 || [[ -x /usr/sbin/$1 || -x /sbin/$1 ]]
}

tools_missing() {
	local group=$1 tool pkg status=0
	shift
	for tool in "$@"; do
		tool_found "$tool" && continue
		status=1
		pkg=$(tool_package "$tool")
		case $tool in
		go) echo "missing: go (Go >= the version contrib/inngest-cli/build.sh names; Debian 12's golang-go is too old: https://go.dev/dl/), which \`contrib/install-deps.sh $group\` checks for" ;;
		node | npm) echo "missing: $tool (Node.js >= 18 with npm: https://nodejs.org/), which \`contrib/install-deps.sh $group\` checks for" ;;
		*) echo "missing: $tool (Debian package $pkg), which \`contrib/install-deps.sh $group\` installs (make $(tools_target "$group") runs it)" ;;
		esac
	done
	return $status
}

tools_target() {
	case $1 in
	valgrind) echo check-valgrind ;;
	fresh) echo check-fresh ;;
	*) echo "$1" ;;
	esac
}

require_tools() {
	local msg
	msg=$(tools_missing "$@") && return 0
	echo "$msg" >&2
	exit 1
}
