#!/usr/bin/env bash
# THE test command (README, CI): fetches the real kubectl/helm the conformance tests need,
# then runs every test target.
#
# kubectl/helm that cannot be had here (fetch-tools exit 3) only warn: the real-client tests
# then print SKIPPED, except under CI=true where they fail, so CI never goes green silently
# without them. Any other fetch failure stops the run.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

rc=0
tools_dir="$(bash scripts/fetch-tools.sh)" || rc=$?
case "$rc" in
0)
    export STRATA_KUBECTL="$tools_dir/kubectl"
    export STRATA_HELM="$tools_dir/helm"
    echo "test.sh: using STRATA_KUBECTL=$STRATA_KUBECTL STRATA_HELM=$STRATA_HELM" >&2
    ;;
3)
    echo "test.sh: WARNING: kubectl/helm unavailable; real-client tests will SKIP (FAIL under CI)" >&2
    ;;
*)
    echo "test.sh: scripts/fetch-tools.sh failed (exit $rc)" >&2
    exit "$rc"
    ;;
esac

# --no-fail-fast: one failing target must not hide the results of the others.
cargo test --all-targets --no-fail-fast
