#!/usr/bin/env bash
# `make check-fresh`: the README's two commands on a machine where nothing was
# installed by hand.  Builds a minimal Debian 12 (bookworm) root with
# debootstrap from the Debian mirror this machine's apt uses, clones this
# checkout's HEAD into it, and there runs `make run` until its `ready:` line
# (then stops it) and `make check`.  Prints both results and how long each took.
#
# What the root gets from this machine, as a fresh machine of this kind has it:
#   - Go (/usr/local/go) and Node (node, npm) bind-mounted read-only: Debian 12
#     packages neither in a version we need (contrib/install-deps.sh says so);
#   - the CA certificates (/usr/local/share/ca-certificates, the bundle) and the
#     TLS/proxy/registry environment variables, without which the Go module
#     proxy's and npm's TLS fails from inside;
#   - /proc, /sys, /dev, /dev/pts, /dev/shm.
# Nothing else: the Inngest CLI cache (~/.cache/inngest-fcgi) is empty in the
# root, so `make run` builds the CLI from the Go module proxy (several minutes).
# Everything mounted is unmounted on exit, and every process left in the root
# is stopped first.  Root only (debootstrap, chroot, mount).
#
#   FRESH_DIR=build/fresh   where the root is made (removed on exit unless FRESH_KEEP=1)
#   FRESH_PORT / FRESH_DEV_PORT   ports of `make run` inside (default: free ones)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

log() { echo "check-fresh: $*" >&2; }
die() { log "error: $*"; exit 1; }

[[ $EUID == 0 ]] || die "needs root (debootstrap, chroot and mount)"
command -v debootstrap >/dev/null || die "debootstrap is missing (Debian package debootstrap; make check-fresh installs it via contrib/install-deps.sh fresh)"
command -v git >/dev/null || die "git is missing (Debian package git; contrib/install-deps.sh fresh)"

dir=${FRESH_DIR:-$repo/build/fresh}
[[ $dir == /* ]] || dir=$repo/$dir
root=$dir/root
mounts=() # mount points, in the order mounted

# Every process whose root is ours (what `make run`/`make check` left), then
# every mount, innermost first.  Also run after a failure or Ctrl-C.
cleanup() {
	local rc=$? p i pids
	set +e
	for _ in 1 2 3; do
		pids=()
		for p in /proc/[0-9]*; do
			[[ $(readlink "$p/root" 2>/dev/null) == "$root" ]] && pids+=("${p#/proc/}")
		done
		((${#pids[@]})) || break
		kill -TERM "${pids[@]}" 2>/dev/null
		sleep 2
		kill -KILL "${pids[@]}" 2>/dev/null
	done
	for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
		umount "${mounts[i]}" 2>/dev/null || umount -l "${mounts[i]}" 2>/dev/null ||
			log "warning: could not unmount ${mounts[i]}"
	done
	# A mount the list missed (e.g. a test's tmpfs) would make rm -rf reach the host.
	if grep -q " $root[/ ]" /proc/self/mounts 2>/dev/null; then
		awk -v r="$root" '$2 == r || index($2, r "/") == 1 { print $2 }' /proc/self/mounts | sort -r |
			while read -r m; do umount -l "$m"; done
	fi
	if grep -q " $root[/ ]" /proc/self/mounts 2>/dev/null; then
		log "warning: mounts are left under $root; not removing it"
	elif [[ -z ${FRESH_KEEP:-} ]]; then
		rm -rf "$dir"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT HUP
trap 'exit 143' TERM

bind() { # bind SRC DEST-IN-ROOT [ro]
	local src=$1 dst=$root$2
	if [[ -d $src ]]; then mkdir -p "$dst"; else mkdir -p "$(dirname "$dst")"; : >>"$dst"; fi
	mount --bind "$src" "$dst"
	mounts+=("$dst")
	if [[ ${3:-} == ro ]]; then mount -o remount,bind,ro "$dst"; fi
}

# The Debian mirror this machine's apt uses (deb822 or one-line sources).
mirror=$(sed -nE 's/^URIs:[[:space:]]*(\S+\/debian)\/?$/\1/p; s/^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?(\S+\/debian)\/?[[:space:]]+bookworm[[:space:]].*/\2/p' \
	/etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null | head -n 1 || true)
[[ -n $mirror ]] || die "found no Debian mirror in /etc/apt/sources.list(.d)"

if [[ -e $dir ]]; then
	grep -q " $root[/ ]" /proc/self/mounts && die "$root still has mounts from an earlier run: unmount them first"
	rm -rf "$dir"
fi
mkdir -p "$dir"
start=$SECONDS
log "debootstrap bookworm (minbase + make) from $mirror into $root"
# make: the README's commands start with it; git clones below, from outside.
debootstrap --variant=minbase --include=make bookworm "$root" "$mirror" >"$dir/debootstrap.log" 2>&1 ||
	{ tail -n 20 "$dir/debootstrap.log" >&2; die "debootstrap failed (log: $dir/debootstrap.log)"; }
log "root ready in $((SECONDS - start)) s"

# apt inside uses what this machine's apt uses (Debian's official sources only).
rm -f "$root/etc/apt/sources.list"
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list; do
	[[ -f $f ]] || continue
	grep -qE 'deb\.debian\.org|/debian(-security)?/?([[:space:]]|$)' "$f" || continue
	install -D -m 0644 "$f" "$root$f"
done
cp /etc/resolv.conf "$root/etc/resolv.conf"
[[ -f /etc/hosts ]] && cp /etc/hosts "$root/etc/hosts"
# The CA certificates this machine trusts: the local ones (which the
# ca-certificates package adds to the bundle when make installs it) and the bundle.
if [[ -d /usr/local/share/ca-certificates ]]; then
	mkdir -p "$root/usr/local/share/ca-certificates"
	cp -a /usr/local/share/ca-certificates/. "$root/usr/local/share/ca-certificates/"
fi
if [[ -f /etc/ssl/certs/ca-certificates.crt ]]; then
	install -D -m 0644 /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
fi

# The root is a mount point of its own, as / is on a machine: `unshare -m
# --propagation private` (tests/e2e/test_faults.sh) fails on a plain folder.
mount --bind "$root" "$root" && mounts+=("$root")
mount -t proc proc "$root/proc" && mounts+=("$root/proc")
mount -t sysfs sysfs "$root/sys" && mounts+=("$root/sys")
# A /dev of its own (not this machine's): the usual nodes, a private devpts, a shm.
mount -t tmpfs -o mode=0755,nosuid tmpfs "$root/dev" && mounts+=("$root/dev")
for n in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0; do
	IFS=: read -r name major minor <<<"$n"
	mknod -m 0666 "$root/dev/$name" c "$major" "$minor"
done
ln -s /proc/self/fd "$root/dev/fd"
ln -s /proc/self/fd/0 "$root/dev/stdin"
ln -s /proc/self/fd/1 "$root/dev/stdout"
ln -s /proc/self/fd/2 "$root/dev/stderr"
ln -s pts/ptmx "$root/dev/ptmx"
mkdir -m 0755 "$root/dev/pts" && mkdir -m 1777 "$root/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts "$root/dev/pts" && mounts+=("$root/dev/pts")
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$root/dev/shm" && mounts+=("$root/dev/shm")

# Go: its root (GOROOT), read-only; the module and build caches stay in the root.
path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
if go=$(command -v go); then
	goroot=$("$go" env GOROOT)
	bind "$goroot" "$goroot" ro
	path=$goroot/bin:$path
	log "Go $("$go" env GOVERSION) from $goroot (read-only)"
fi
# Node: the binary and its global modules (npm), read-only, under /opt/host-node.
if node=$(command -v node); then
	node=$(readlink -f "$node")
	nprefix=$(dirname "$(dirname "$node")")
	bind "$node" /opt/host-node/bin/node ro
	[[ -d $nprefix/lib/node_modules ]] && bind "$nprefix/lib/node_modules" /opt/host-node/lib/node_modules ro
	[[ -d $nprefix/include/node ]] && bind "$nprefix/include/node" /opt/host-node/include/node ro
	for t in npm npx corepack; do
		[[ -e $nprefix/lib/node_modules/${t/npx/npm}/bin/$t-cli.js ]] &&
			ln -s "../lib/node_modules/${t/npx/npm}/bin/$t-cli.js" "$root/opt/host-node/bin/$t"
	done
	[[ -e $root/opt/host-node/bin/corepack ]] || { [[ -e $nprefix/lib/node_modules/corepack/dist/corepack.js ]] &&
		ln -s ../lib/node_modules/corepack/dist/corepack.js "$root/opt/host-node/bin/corepack"; }
	path=/opt/host-node/bin:$path
	log "Node $("$node" --version) from $nprefix (read-only)"
fi
[[ -f $HOME/.npmrc ]] && install -D -m 0600 "$HOME/.npmrc" "$root/root/.npmrc"

# The TLS, proxy and registry settings of this machine's environment.
carried=()
while IFS= read -r var; do
	[[ $var == PATH ]] && continue
	carried+=("$var=${!var}")
done < <(compgen -e | grep -iE 'ssl|cert|ca_bundle|proxy|npm|pip|^go|^node' || true)
((${#carried[@]})) && log "carried in: $(printf '%s ' "${carried[@]%%=*}")"

git clone -q --no-local "$repo" "$root/root/inngest-fcgi"
log "cloned $(git -C "$repo" rev-parse --short HEAD) into ~/inngest-fcgi (root's home inside)"

free_port() { # a port nothing listens on, from $1 up
	local p=$1
	while [[ -n $(ss -Hltn "sport = :$p" 2>/dev/null) ]]; do p=$((p + 1)); done
	echo "$p"
}
port=${FRESH_PORT:-$(free_port 18080)}
dev_port=${FRESH_DEV_PORT:-$(free_port 18288)}

# A command line run in the clone, inside the root, with a clean environment.
in_root=(chroot "$root" /usr/bin/env -i HOME=/root USER=root LOGNAME=root TERM=dumb LANG=C.UTF-8
	PATH="$path" "${carried[@]}" /bin/bash -c)
# Processes still running inside the root (what a stopped `make run` left).
in_root_pids() {
	local p
	for p in /proc/[0-9]*; do
		[[ $(readlink "$p/root" 2>/dev/null) == "$root" ]] && echo "${p#/proc/}"
	done
	return 0
}

# 1. make run, until ready: (or until it ends), then stop it with SIGTERM, which
# it handles like Ctrl-C (a background job ignores SIGINT, so Ctrl-C's own
# signal would not reach it).
log "make run PORT=$port DEV_PORT=$dev_port (log: build/check-fresh-run.log)"
run_start=$SECONDS
setsid "${in_root[@]}" "cd ~/inngest-fcgi && exec make run PORT=$port DEV_PORT=$dev_port" \
	>"$dir/make-run.log" 2>&1 </dev/null &
run_pid=$!
run_result="ended without a ready: line"
while kill -0 "$run_pid" 2>/dev/null; do
	if grep -q '^ready: ' "$dir/make-run.log"; then
		run_result=$(grep -m1 '^ready: ' "$dir/make-run.log")
		break
	fi
	sleep 2
done
run_secs=$((SECONDS - run_start))
kill -TERM -- "-$run_pid" 2>/dev/null || true
wait "$run_pid" 2>/dev/null || true
for _ in $(seq 30); do [[ -z $(in_root_pids) ]] && break; sleep 1; done
left=$(in_root_pids | tr '\n' ' ')
[[ -z $left ]] || { log "make run left processes behind: $left— stopping them"; kill -KILL $left 2>/dev/null || true; }
[[ $run_result == ready:* ]] || { log "make run's last lines:"; tail -n 30 "$dir/make-run.log" >&2; }
echo "check-fresh: make run: $run_result (after ${run_secs} s)"

# 2. make check.
log "make check (log: build/check-fresh-check.log)"
check_start=$SECONDS
check_rc=0
"${in_root[@]}" 'cd ~/inngest-fcgi && make check' >"$dir/make-check.log" 2>&1 </dev/null || check_rc=$?
check_secs=$((SECONDS - check_start))
grep -E '^(run-all: failing|FAIL - )' "$dir/make-check.log" | head -n 60 || true
check_result=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$dir/make-check.log" | tail -n 1 || true)
[[ -n $check_result ]] || { tail -n 30 "$dir/make-check.log" >&2; check_result="no summary line"; }
mkdir -p "$repo/build"
cp "$dir/make-run.log" "$repo/build/check-fresh-run.log"
cp "$dir/make-check.log" "$repo/build/check-fresh-check.log"

echo "check-fresh: make run:   $run_result  (${run_secs} s)"
echo "check-fresh: make check: $check_result, exit status $check_rc  (${check_secs} s)"
echo "check-fresh: total $((SECONDS - start)) s (debootstrap included)"
[[ $run_result == ready:* && $check_rc == 0 ]]
