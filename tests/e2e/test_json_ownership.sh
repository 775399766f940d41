#!/usr/bin/env bash
# test_json_ownership.sh — the one JSON ownership rule of inngest.h ("the SDK
# never takes your reference and never gives you one") holds in the apps:
# code that runs in a request (functions/ outside the store, the README's
# examples, the app `make new-app` writes) builds and combines values only
# with the SDK's calls (ing_json_*, ing_json_pack, ing_event_new, ing_keep),
# never with json-c's reference-stealing or reference-counting calls.  The
# product app's store (functions/product/store/) is the one place that owns
# json-c references: it builds its results outside any request and its
# callers hand each one to the request (ing_keep) where they receive it.
# Shown failing on a planted json_object_object_add.
set -u
cd "$(dirname "$0")/../.."

pass=0 fail=0
ok()  { pass=$((pass + 1)); echo "ok   - $*"; }
bad() { fail=$((fail + 1)); echo "FAIL - $*"; }

# json-c calls that take or give a reference: the adders steal one, put
# releases one, get( and the constructors and the tokener hand one out.
FORBIDDEN='json_object_(object_add|array_add|array_put_idx|put|get|new_[a-z0-9_]+)[[:space:]]*\(|json_tokener_parse'

# check FILE...: prints each offending line, returns how many
check() {
	local n
	n=$(grep -nE "$FORBIDDEN" "$@" /dev/null | tee /dev/stderr | wc -l)
	return $((n > 255 ? 255 : n))
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mapfile -t app_files < <(find functions -name '*.[ch]' ! -path 'functions/product/store/*' | sort)
if ((${#app_files[@]} >= 30)) && check "${app_files[@]}"; then
	ok "functions/ outside the store: ${#app_files[@]} files, no json-c reference call"
else
	bad "functions/ outside the store uses json-c reference calls (above), or too few files (${#app_files[@]})"
fi

# the README's C blocks and the app make new-app writes
awk '/^```c$/ { inside = 1; next } inside && /^```$/ { inside = 0 } inside' README.md >"$work/readme.c"
if [[ -s $work/readme.c ]] && grep -q ing_json_pack "$work/readme.c" && check "$work/readme.c"; then
	ok "README.md's C examples: ing_json_pack, no json-c reference call"
else
	bad "README.md's C examples use json-c reference calls or no ing_json_pack"
fi
sed -n '/^cat >"\$app\/\$name.c" <<EOF$/,/^EOF$/p' contrib/new-app/new-app.sh >"$work/new_app.c"
if [[ -s $work/new_app.c ]] && check "$work/new_app.c"; then
	ok "make new-app's app: no json-c reference call"
else
	bad "make new-app's app uses json-c reference calls, or was not found"
fi

# the check itself catches a planted violation
printf 'void f(struct ing_ctx *c, json_object *o)\n{\n    json_object_object_add(o, "k", ing_json_string(c, "v"));\n}\n' >"$work/planted.c"
if ! check "$work/planted.c" 2>/dev/null; then
	ok "the check fails on a planted json_object_object_add"
else
	bad "the check missed a planted json_object_object_add"
fi
# … and passes the SDK's own way of writing it (json_object_get_string is a lookup)
printf 'void f(struct ing_ctx *c, json_object *o)\n{\n    ing_json_set(o, "k", ing_json_string(c, json_object_get_string(o)));\n}\n' >"$work/fine.c"
if check "$work/fine.c" 2>/dev/null; then
	ok "the check passes ing_json_set with a json_object_get_string lookup"
else
	bad "the check refused ing_json_set with a lookup"
fi

echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
