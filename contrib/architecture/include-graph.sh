#!/usr/bin/env bash
# include-graph.sh — draws handler/'s include graph from the `#include "…"`
# lines of one git revision, as graphviz DOT, SVG or PNG.
#
#   contrib/architecture/include-graph.sh [--files] [--layers-from REV2] [-o OUT] [REV]
#
#   REV            the revision to read (default HEAD; the committed tree, not the work tree)
#   --files        one box per module (x.c and x.h together) inside its layer,
#                  instead of one box per layer (dense: read it as SVG, zoomed)
#   --layers-from  where a file of a flat handler/ (before the layer folders,
#                  0353f6b and older) finds its layer: the folder that holds a
#                  file of the same name in REV2, or the file git sees it
#                  renamed to; a file found in neither is "unplaced".  Default:
#                  the first commit after REV that has handler/base/ (the one
#                  that made the folders), else HEAD
#   -o OUT         OUT.dot, OUT.svg or OUT.png (default: DOT on standard output)
#
# The layers, bottom up, are handler/README.md's: base core outbound steps
# protocol transport.  An arrow A → B says that files of A include headers of
# B, with how many include lines; arrows run downwards.  An arrow that runs up
# (a lower layer including a higher one) breaks the layer rule and is drawn
# red and bold; tests/e2e/test_layers.sh refuses it in today's tree.  The
# public header inngest.h and the apps (functions/, which may include it and
# nothing else of handler/) stand beside the layers, and so do the two
# library headers that have one home each: <curl/curl.h> (outbound/ only)
# and <fcgiapp.h> (transport/ only); an include of one from anywhere else is
# red too.
#
# It installs what it needs (graphviz, git: contrib/install-deps.sh graph).
# The pictures in contrib/architecture/ were made with
#   contrib/architecture/include-graph.sh -o contrib/architecture/include-graph-before.svg 0353f6b
#   contrib/architecture/include-graph.sh -o contrib/architecture/include-graph-after.svg
# (and the same with .png).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

LAYERS=(base core outbound steps protocol transport)
files_mode= layers_from= out= rev=HEAD
while (($#)); do
	case $1 in
	--files) files_mode=1 ;;
	--layers-from) layers_from=${2:?--layers-from needs a revision}; shift ;;
	-o) out=${2:?-o needs a file name}; shift ;;
	-h | --help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
	-*) echo "include-graph: unknown option $1 (see --help)" >&2; exit 2 ;;
	*) rev=$1 ;;
	esac
	shift
done

"$root/contrib/install-deps.sh" graph
git rev-parse --verify --quiet "$rev^{commit}" >/dev/null || { echo "include-graph: no revision $rev" >&2; exit 2; }
if [[ -z $layers_from ]]; then
	layers_from=$(git rev-list --reverse "$rev..HEAD" -- handler/base | awk 'NR == 1')
	git ls-tree -d --name-only "$rev" handler/base | grep -q . && layers_from=$rev
	: "${layers_from:=HEAD}"
fi
git rev-parse --verify --quiet "$layers_from^{commit}" >/dev/null ||
	{ echo "include-graph: no revision $layers_from" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/include-graph.XXXXXX")
trap 'rm -rf "$work"' EXIT

# 1. Where each file name lives in the layered tree, and what git sees the
#    flat files renamed to: "name layer" lines.
git ls-tree -r --name-only "$layers_from" -- handler |
	awk -F/ 'NF == 3 && $3 ~ /\.[ch]$/ { print $3, $2 }' >"$work/home"
git diff -M --name-status "$rev" "$layers_from" -- handler 2>/dev/null |
	awk -F'\t' '$1 ~ /^R/ { n = split($2, a, "/"); m = split($3, b, "/"); if (m == 3) print a[n], b[2] }' \
		>>"$work/home"

# 2. The files read: handler/'s sources, and the apps' (functions/).
git ls-tree -r --name-only "$rev" -- handler functions | grep -E '\.[ch]$' >"$work/files" || true
[[ -s $work/files ]] || { echo "include-graph: $rev has no handler/ sources" >&2; exit 1; }

# 3. "file "name"" for every #include "…" line, and "file <name>" for the
#    two library headers, read in one git call.
sed "s|^|$rev:|" "$work/files" |
	git cat-file --batch |
	awk -v list="$work/files" '
		BEGIN { while ((getline f < list) > 0) order[++n] = f }
		/^[0-9a-f]+ blob [0-9]+$/ { file = order[++i]; next }
		/^[ \t]*#[ \t]*include[ \t]*"/ { s = $0; sub(/^[^"]*"/, "", s); sub(/".*$/, "", s); print file, "\"" s "\"" }
		/^[ \t]*#[ \t]*include[ \t]*<(curl\/curl|fcgiapp)\.h>/ { s = $0; sub(/^[^<]*/, "", s); sub(/>.*$/, ">", s); print file, s }
	' >"$work/includes"

# 4. The graph: awk resolves each include to a file of the tree, places both
#    ends, counts the pairs and writes DOT.
layers_csv=$(IFS=,; echo "${LAYERS[*]}")
title="handler/ at $(git rev-parse --short "$rev") ($(git log -1 --format=%cs "$rev"))"
awk -v layers="$layers_csv" -v files_mode="$files_mode" -v home="$work/home" -v title="$title" \
	-v list="$work/files" -v layers_from="$(git rev-parse --short "$layers_from")" '
function layer_of(path,    parts, n, name) {
	if (path == "handler/inngest.h") return "inngest.h"
	if (path ~ /^functions\//) return "apps"
	n = split(path, parts, "/")
	if (n == 3 && (parts[2] in rank)) return parts[2]
	name = parts[n]
	return (name in where) ? where[name] : "unplaced"
}
function module_of(path) { sub(/\.[ch]$/, "", path); sub(/^handler\//, "", path); return path }
function resolve(from, inc,    dir) {
	if (inc == "inngest.h" || ("handler/" inc) in exists) return "handler/" inc
	dir = from; sub(/[^\/]*$/, "", dir)
	if ((dir inc) in exists) return dir inc
	if (("functions/" inc) in exists) return "functions/" inc
	return ""
}
function short(s) { sub(/^.*\//, "", s); return s }
function node_id(s) { gsub(/[^A-Za-z0-9_]/, "_", s); return "n_" s }
BEGIN {
	nl = split(layers, L, ",")
	for (i = 1; i <= nl; i++) rank[L[i]] = i
	rank["inngest.h"] = 0; rank["apps"] = nl + 1; rank["unplaced"] = -1
	while ((getline line < home) > 0) { split(line, w, " "); if (!(w[1] in where)) where[w[1]] = w[2] }
	while ((getline f < list) > 0) {
		exists[f] = 1
		if (f ~ /^handler\// || f == "handler/inngest.h") { lay = layer_of(f); files_in[lay]++; if (f ~ /^handler\/[^\/]*$/ && f != "handler/inngest.h") flat_tree = 1 }
		else files_in["apps"]++
	}
}
{
	from = $1; inc = $2
	if (inc ~ /^</) { to = inc; b = (inc == "<curl/curl.h>") ? "libcurl" : "libfcgi" }
	else {
		gsub(/"/, "", inc); to = resolve(from, inc)
		if (to == "" || to !~ /^handler\//) next    # the apps among themselves
		b = layer_of(to)
	}
	a = layer_of(from)
	# the includes of the public header by a layer are counted in its box
	# (an arrow from every layer would hide the rest); those of the apps are drawn
	if (b == "inngest.h" && a != "apps") { public[a]++; next }
	if (files_mode) {
		ea = (a == "apps") ? "apps" : module_of(from)
		eb = (b == "inngest.h" || b ~ /^lib/) ? b : module_of(to)
	}
	else { ea = a; eb = b }
	if (ea == eb) { inside[a]++; next }
	key = ea SUBSEP eb
	if (!(key in count)) { order[++edges] = key; la[key] = a; lb[key] = b }
	count[key]++
	if (files_mode && a != "apps" && a != "inngest.h") modules[a, ea] = 1
	if (files_mode && b != "inngest.h" && b !~ /^lib/) modules[b, eb] = 1
}
END {
	print "digraph include_graph {"
	print "  graph [fontname=\"Helvetica\", fontsize=13, labelloc=t, newrank=true, nodesep=0.35, ranksep=0.45];"
	print "  node [fontname=\"Helvetica\", fontsize=11, shape=box, style=\"rounded,filled\", fillcolor=\"#eef3fb\", color=\"#5a6f8f\"];"
	print "  edge [fontname=\"Helvetica\", fontsize=10, color=\"#445566\", arrowsize=0.7];"
	# a module per box is dense: left to right, with parallel arrows merged
	if (files_mode) print "  graph [rankdir=LR, concentrate=true, splines=polyline];"
	shown = layers; gsub(/,/, ", ", shown)
	sub_title = flat_tree ? "one flat folder; each file is drawn in the layer folder it moved to (at " layers_from ")" \
	                      : "one folder per layer, bottom up: " shown
	legend = files_mode ? "A -> B: A (x.c and x.h) includes a header of B" \
	                    : "A -> B: files of A include headers of B (number of include lines); inngest.h xN: its include lines in a layer"
	printf "  label=\"%s\\n%s\\n%s\\nred: a lower layer includes a higher one, or a library header is included outside its home\";\n", title, sub_title, legend
	# the layers in a fixed column, top (transport) to bottom (base), so two pictures compare line by line
	for (i = nl; i >= 1; i--) {
		l = L[i]
		name = flat_tree ? "(" l ")" : l "/"
		extra = (l in inside) ? sprintf("\\n%d includes inside", inside[l]) : ""
		extra = extra ((l in public) ? sprintf("\\ninngest.h x%d", public[l]) : "")
		if (!files_mode) {
			lab = sprintf("%s\\n%d files%s%s", name, files_in[l], flat_tree ? " of handler/" : "", extra)
			printf "  %s [label=\"%s\"];\n", node_id(l), lab
		} else {
			printf "  subgraph cluster_%s {\n    label=\"%s\"; style=\"rounded\"; color=\"#8899aa\"; fontsize=12;\n", l, name
			printf "    %s [shape=point, style=invis, width=0];\n", node_id("anchor_" l)
			for (k in modules) { split(k, m, SUBSEP); if (m[1] == l) printf "    %s [label=\"%s\"];\n", node_id(m[2]), short(m[2]) }
			print "  }"
		}
	}
	printf "  %s [label=\"functions/\\nthe apps (%d files)\", fillcolor=\"#e8f5e9\", color=\"#4f7f52\"];\n", node_id("apps"), files_in["apps"]
	printf "  %s [label=\"inngest.h\\nthe public header\", fillcolor=\"#fff4d6\", color=\"#a08a4a\"];\n", node_id("inngest.h")
	printf "  { rank=same; %s; %s; }\n", node_id("apps"), node_id("inngest.h")
	printf "  %s [label=\"<curl/curl.h>\\nlibcurl: outbound/ only\", shape=component, fillcolor=\"#f3e8f8\"];\n", node_id("libcurl")
	printf "  %s [label=\"<fcgiapp.h>\\nlibfcgi: transport/ only\", shape=component, fillcolor=\"#f3e8f8\"];\n", node_id("libfcgi")
	printf "  { rank=same; %s; %s; }\n", files_mode ? node_id("anchor_outbound") : node_id("outbound"), node_id("libcurl")
	printf "  { rank=same; %s; %s; }\n", files_mode ? node_id("anchor_transport") : node_id("transport"), node_id("libfcgi")
	if ("unplaced" in files_in && !files_mode)
		printf "  %s [label=\"unplaced\\n%d files\", fillcolor=\"#f2f2f2\"];\n", node_id("unplaced"), files_in["unplaced"]
	if ("unplaced" in files_in && files_mode) {
		print "  subgraph cluster_unplaced {\n    label=\"unplaced\"; style=\"rounded,dashed\"; color=\"#999999\";"
		for (k in modules) { split(k, m, SUBSEP); if (m[1] == "unplaced") printf "    %s [label=\"%s\"];\n", node_id(m[2]), short(m[2]) }
		print "  }"
	}
	# the invisible column (of layer boxes only)
	prev = node_id("apps")
	for (i = nl; i >= 1 && !files_mode; i--) {
		l = L[i]
		cur = files_mode ? node_id("anchor_" l) : node_id(l)
		printf "  %s -> %s [style=invis, weight=20];\n", prev, cur
		prev = cur
	}
	for (e = 1; e <= edges; e++) {
		key = order[e]; split(key, p, SUBSEP)
		a = la[key]; b = lb[key]
		up = (a in rank) && (b in rank) && a != "inngest.h" && b != "inngest.h" && a != "unplaced" && b != "unplaced" && rank[a] < rank[b]
		if (b == "libcurl") up = a != "outbound"
		if (b == "libfcgi") up = a != "transport"
		style = up ? "color=\"#d62728\", fontcolor=\"#d62728\", penwidth=2.2, constraint=false" : ""
		if (b == "inngest.h") style = "color=\"#a08a4a\", fontcolor=\"#a08a4a\", constraint=false"
		if (b ~ /^lib/ && !up) style = "style=dashed, color=\"#8a5a9a\", fontcolor=\"#8a5a9a\", constraint=false"
		lab = files_mode ? "" : sprintf("label=\"%d\"", count[key])
		sep = (lab != "" && style != "") ? ", " : ""
		printf "  %s -> %s [%s%s%s];\n", node_id(p[1]), node_id(p[2]), lab, sep, style
	}
	print "}"
}' "$work/includes" >"$work/graph.dot"

case $out in
"") cat "$work/graph.dot" ;;
*.dot) cp "$work/graph.dot" "$out" ;;
*.svg) dot -Tsvg "$work/graph.dot" -o "$out" ;;
*.png) dot -Tpng -Gdpi=96 "$work/graph.dot" -o "$out" ;;
*) echo "include-graph: -o wants a .dot, .svg or .png name" >&2; exit 2 ;;
esac
[[ -z $out ]] || echo "include-graph: $out ($title)"
