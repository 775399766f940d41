# shellcheck shell=bash
# A cluster of contrib/cluster/cluster.sh (`make cluster`: Inngest server
# replicas on Postgres and Redis, two app hosts, a front nginx) under
# $E2E_DIR, for tests/cluster/test_cluster.sh and contrib/cluster/scale.sh.
# It sources tests/lib/inngest.sh; e2e_cleanup stops every cluster under
# $E2E_DIR, also after a failed step.
#
#   cluster_start APP    a fresh cluster of APP (product or conformance) in $E2E_DIR/cluster-APP,
#                        rate limits off; sets CD, the variables of its env file and AUTH (the
#                        signing key's header line).  Fails with cluster.sh's output on stderr
#   cluster_stop DIR     `cluster.sh stop` for a cluster-APP directory, quietly (any other: nothing)

[[ -z ${E2E_CLUSTER_SH:-} ]] || return 0
E2E_CLUSTER_SH=1
# shellcheck source=tests/lib/inngest.sh
source "$(dirname "${BASH_SOURCE[0]}")/inngest.sh"
e2e_on_cleanup cluster_stop

CLUSTER_SH=$E2E_ROOT/contrib/cluster/cluster.sh
CD=

cluster_start() {
	CD=$E2E_DIR/cluster-$1
	CLUSTER_DIR=$CD CLUSTER_APP=$1 CONTACT_RATE_LIMIT_CLIENT=off CONTACT_RATE_LIMIT_RECIPIENT=off \
		VIEWS_RATE_LIMIT=off "$CLUSTER_SH" start >"$E2E_DIR/cluster-$1.out" 2>&1 || {
		cat "$E2E_DIR/cluster-$1.out" >&2
		return 1
	}
	# shellcheck disable=SC1091
	source "$CD/env"
	AUTH="Authorization: Bearer $INNGEST_SIGNING_KEY"
}

# A directory cluster_start named (also one whose start failed half way).
cluster_stop() {
	[[ ${1##*/} == cluster-* && -d $1 ]] || return 0
	CLUSTER_DIR=$1 "$CLUSTER_SH" stop >/dev/null 2>&1 || true
}
