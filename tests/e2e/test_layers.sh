#!/usr/bin/env bash
# test_layers.sh — the include rule of handler/'s layers (handler/README.md):
# a file may include headers of its own layer and of the layers below it,
# never of a layer above; only transport/ includes <fcgiapp.h> and only
# outbound/ includes <curl/curl.h>.  The apps (functions/) include neither:
# they reach HTTP through inngest.h (ing_http_fetch) and are served by the
# SDK.  Shown failing on planted bad includes.
set -u
cd "$(dirname "$0")/../.."

LAYERS=(base core outbound steps protocol transport)
rank() { local i; for i in "${!LAYERS[@]}"; do [[ ${LAYERS[$i]} == "$1" ]] && { echo "$i"; return; }; done; echo -1; }

pass=0 fail=0
ok()  { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# check_tree DIR: prints one line per broken rule, returns the count
check_tree() {
	local dir=$1 n=0 f layer r inc target tr
	while IFS= read -r f; do
		layer=${f#"$dir"/}; layer=${layer%%/*}
		r=$(rank "$layer")
		if [[ $r -lt 0 ]]; then echo "$f: not in a layer folder (${LAYERS[*]})"; n=$((n + 1)); continue; fi
		while IFS= read -r inc; do
			case $inc in
			inngest.h) continue ;;
			*/*) target=${inc%%/*} ;;
			*) echo "$f: includes \"$inc\" without its layer folder"; n=$((n + 1)); continue ;;
			esac
			tr=$(rank "$target")
			if [[ $tr -lt 0 ]]; then echo "$f: includes \"$inc\" of no layer"; n=$((n + 1))
			elif [[ $tr -gt $r ]]; then echo "$f: $layer/ includes \"$inc\" of the higher layer $target/"; n=$((n + 1)); fi
		done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f")
		if grep -q '^[[:space:]]*#[[:space:]]*include[[:space:]]*<fcgiapp.h>' "$f" && [[ $layer != transport ]]; then
			echo "$f: only transport/ includes <fcgiapp.h>"; n=$((n + 1)); fi
		if grep -q '^[[:space:]]*#[[:space:]]*include[[:space:]]*<curl/curl.h>' "$f" && [[ $layer != outbound ]]; then
			echo "$f: only outbound/ includes <curl/curl.h>"; n=$((n + 1)); fi
	done < <(find "$dir" -mindepth 1 -name '*.[ch]' ! -path "$dir/inngest.h" | sort)
	return $((n > 255 ? 255 : n))
}

# 1. the tree as it is keeps the rule
out=$(check_tree handler); rc=$?
if [[ $rc -eq 0 ]]; then ok; else bad "handler/ breaks the include rule:"; echo "$out"; fi

# 2. the files counted: every layer has files, and every .c/.h of handler/ is in one
for l in "${LAYERS[@]}"; do
	c=$(find "handler/$l" -name '*.[ch]' 2>/dev/null | wc -l)
	if [[ $c -gt 0 ]]; then ok; else bad "handler/$l/ has no file"; fi
done
top=$(find handler -maxdepth 1 -name '*.[ch]' ! -name inngest.h | wc -l)
if [[ $top -eq 0 ]]; then ok; else bad "$top source files beside inngest.h at handler/'s top"; fi

# 3. the check catches what it must: a copy of the tree with planted faults
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cp -r handler "$tmp/handler"
printf '#include "transport/fcgi_front.h"\n' >> "$tmp/handler/base/arena.c"
printf '#include <curl/curl.h>\n' >> "$tmp/handler/steps/step_id.c"
printf '#include <fcgiapp.h>\n' >> "$tmp/handler/protocol/router.c"
printf '#include "arena.h"\n' >> "$tmp/handler/core/log.c"
out=$(cd "$tmp" && check_tree handler); rc=$?
if [[ $rc -eq 4 ]]; then ok; else bad "planted faults: expected 4 reports, got $rc:"; echo "$out"; fi

# 4. the apps include neither library header (they use inngest.h's API)
# check_apps DIR: prints one line per broken rule, returns the count
check_apps() {
	local dir=$1 n=0 f
	while IFS= read -r f; do
		if grep -q '^[[:space:]]*#[[:space:]]*include[[:space:]]*<curl/curl.h>' "$f"; then
			echo "$f: an app does not include <curl/curl.h> (ing_http_fetch is the SDK's client)"; n=$((n + 1)); fi
		if grep -q '^[[:space:]]*#[[:space:]]*include[[:space:]]*<fcgiapp.h>' "$f"; then
			echo "$f: an app does not include <fcgiapp.h> (the SDK serves it)"; n=$((n + 1)); fi
	done < <(find "$dir" -name '*.[ch]' | sort)
	return $((n > 255 ? 255 : n))
}
out=$(check_apps functions); rc=$?
if [[ $rc -eq 0 ]]; then ok; else bad "functions/ includes a library header it must not:"; echo "$out"; fi
c=$(find functions -name '*.[ch]' | wc -l)
if [[ $c -gt 20 ]]; then ok; else bad "functions/ has only $c source files: the check read too few"; fi
cp -r functions "$tmp/functions"
printf '#include <curl/curl.h>\n' >> "$tmp/functions/product/registry.c"
printf '#include <fcgiapp.h>\n' >> "$tmp/functions/conformance/$(ls functions/conformance | grep '\.c$' | head -1)"
out=$(cd "$tmp" && check_apps functions); rc=$?
if [[ $rc -eq 2 ]]; then ok; else bad "planted faults in functions/: expected 2 reports, got $rc:"; echo "$out"; fi

echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
