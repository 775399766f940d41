#!/usr/bin/env bash
# The repository stands on its own: no tracked file names the folder that
# once sat beside the checkout (dot-dot-slash "shared"), the work directory
# of one particular machine, or a home directory (a user's folder under
# "home", root's home, a macOS user folder).  A clone has nothing beside it, and a path of one
# developer's machine is wrong on every other.  `~/…` and `$HOME/…` stay
# allowed (each user's own home), and so does a home-like path under a
# variable (`$chroot/<root>/`, a directory inside a built root).
#
#   tests/e2e/test_self_contained.sh            every file `git ls-files` lists
#   tests/e2e/test_self_contained.sh FILE...    only those files (to show that
#                                               a bad file makes it fail)
#
# Before scanning, each pattern must catch a bad sample and pass a good one,
# so the check cannot silently match nothing.  The patterns are put together
# from pieces, so this script does not match them itself.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
passed=0 failed=0
pass() { passed=$((passed + 1)); echo "ok   - $1"; }
fail() { failed=$((failed + 1)); echo "FAIL - $1"; }
summary() {
	echo "$passed passed, $failed failed"
	((failed == 0))
}
# git lists the tracked files: a machine without it must say so, not pass.
# shellcheck source=tests/lib/tools.sh
source "$root/tests/lib/tools.sh"
if ! msg=$(tools_missing check git); then
	fail "${msg//$'\n'/; }"
	summary
	exit 1
fi

dots='\.\.' sh='shared' wk='work' hm='home' rt='root' us='Users'
declare -A pattern=(
	["the folder beside the checkout"]="$dots/$sh"
	["the work directory of one machine"]="/$wk/"
	["a home directory"]="(^|[^[:alnum:]_.~\$})-])(/$hm/[[:alnum:]_.-]+|/$rt|/$us/[[:alnum:]_.-]+)(/|\$)"
)
# One line each pattern must catch, and one it must let through.
declare -A bad=(
	["the folder beside the checkout"]="vectors=\$root/../$sh/protocol/vectors"
	["the work directory of one machine"]="[[ -d \$v ]] || v=/$wk/$sh/protocol/vectors"
	["a home directory"]="cache=/$hm/alice/.cache/inngest-fcgi"
)
declare -A good=(
	["the folder beside the checkout"]="a $sh segment, $sh/protocol without the dots"
	["the work directory of one machine"]="framework/ and network/ and $wk/ in the tree"
	["a home directory"]="~/.cache/inngest-fcgi, \$HOME/.cache, \$chroot/$rt/.cache, /usr/share/$hm-made/"
)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/self-contained.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

for what in "${!pattern[@]}"; do
	re=${pattern[$what]}
	printf '%s\n' "${bad[$what]}" >"$tmp/bad"
	printf '%s\n' "${good[$what]}" >"$tmp/good"
	if grep -qE -- "$re" "$tmp/bad" && ! grep -qE -- "$re" "$tmp/good"; then
		pass "the pattern for $what catches a bad line and passes a good one"
	else
		fail "the pattern for $what does not tell a bad line from a good one"
	fi
done

# The files to scan: the arguments, or every tracked file (a file deleted in
# the work tree but still tracked is skipped: there is nothing to read).
files=()
if (($# > 0)); then
	files=("$@")
elif ! git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	fail "$root is a git checkout (the tracked files are what is scanned)"
	summary
	exit 1
else
	while IFS= read -r -d '' f; do
		[[ -f $root/$f ]] && files+=("$root/$f")
	done < <(git -C "$root" ls-files -z)
fi
# A scan of nothing proves nothing.
if ((${#files[@]} == 0)); then
	fail "there are files to scan"
	summary
	exit 1
fi

for what in "${!pattern[@]}"; do
	# -I: binary files are not text a reader or a script follows.
	hits=$(grep -nIHE -- "${pattern[$what]}" "${files[@]}" 2>/dev/null | sed "s|^$root/||" || true)
	if [[ -z $hits ]]; then
		pass "no file of ${#files[@]} names $what"
	else
		fail "files name $what:"
		printf '%s\n' "$hits" | head -n 20 | sed 's/^/       /'
	fi
done
summary
