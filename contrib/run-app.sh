#!/usr/bin/env bash
# Sourced by contrib/run.sh: which program `make run APP=…` serves, and the
# example event it prints for that program's own triggers.
#
#   app_program APP BUILD_DIR    the program's path on stdout; APP is product,
#                                conformance, a built program, a directory of
#                                .c files, or .c files (space-separated); the
#                                last two are built by `make user-app`
#   print_example_event BIN URL UI [EVENT]  a curl that sends EVENT, or else the
#                                first event trigger of BIN's function table
#                                (read from its --check sync payload), to the
#                                dev server at URL; UI non-empty: it has a web UI

app_program() {
	local app=$1 build_dir=$2 f
	case $app in
	product) echo "$build_dir/inngest-fcgi"; return ;;
	conformance) echo "$build_dir/inngest-fcgi-conformance"; return ;;
	esac
	# One word that is an executable file (not a .c): a program you built.
	if [[ $app != *' '* && $app != *.c && -f $app && -x $app ]]; then
		[[ $app == */* ]] || app=./$app
		echo "$app"
		return
	fi
	for f in $app; do
		if [[ ! -e $f ]]; then
			echo "run.sh: APP='$app': $f does not exist (APP is product, conformance, a built program," \
				"a directory of .c files, or .c files)" >&2
			return 1
		fi
		if [[ ! -d $f && $f != *.c ]]; then
			echo "run.sh: APP='$app': $f is neither a program (not executable) nor a directory nor a .c file" >&2
			return 1
		fi
	done
	# Built here against this tree's SDK (release); make prints where.
	local out
	if ! out=$(make --no-print-directory user-app SAN=0 APP="$app" 2>&1); then
		echo "$out" >&2
		echo "run.sh: could not build APP='$app' (above)" >&2
		return 1
	fi
	echo "$out" | sed -n 's/^user-app: built //p' | tail -n 1
}

print_example_event() {
	local bin=$1 url=$2 ui=$3 example=${4:-} name
	if [[ -z $example ]]; then
		# --check prints the sync payload on stdout even when it has findings.
		name=$("$bin" --check 2>/dev/null |
			jq -r '[.functions[]?.triggers[]?.event // empty | select(startswith("inngest/") | not)
				| select(test("^[A-Za-z0-9/._:-]+$"))][0] // empty' \
				2>/dev/null || true)
		if [[ -z $name ]]; then
			echo "this app has no event trigger (crons only?): invoke a function from the dev server's UI at $url"
			return
		fi
		example="{\"name\":\"$name\",\"data\":{}}"
		name=" (\"$name\" triggers one of this app's functions)"
	fi
	if [[ -n $ui ]]; then
		echo "send an event${name:-}, then watch its run at $url/runs:"
		echo "    curl -sS -X POST $url/e/dev -H 'Content-Type: application/json' -d '$example'"
	else
		echo "send an event${name:-}:"
		echo "    curl -sS -X POST $url/e/dev -H 'Content-Type: application/json' -d '$example'"
		echo "read its run back (<id> is from the answer's \"ids\"; the server caches this answer for 15 s):"
		echo "    curl -sS $url/v1/events/<id>/runs"
	fi
}
