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
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
status=0
cargo test --workspace --all-targets --no-fail-fast 2>&1 | tee "$log" || status=$?
# One closing line over every test target (criterion's bench smoke runs print after the
# last cargo summary, so the totals are repeated here).
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     END { printf "tests: %d passed, %d failed\n", p, f }' "$log"
exit "$status"
