#!/usr/bin/env bash
# Whole-process benchmark of the embedded simulator: start-up, resident memory, and list
# latency (kubectl and raw JSON) at several cluster sizes. Prints a Markdown table.
#
#   cargo build --release && scripts/bench-sim.sh 10000 50000
#
# Needs kubectl from scripts/fetch-tools.sh (or STRATA_KUBECTL) and curl.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=target/release/strata
[ -x "$bin" ] || { echo "build first: cargo build --release" >&2; exit 2; }
kubectl=${STRATA_KUBECTL:-${STRATA_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/strata/tools}/kubectl}
[ -x "$kubectl" ] || { echo "kubectl missing: run scripts/fetch-tools.sh" >&2; exit 2; }
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 50000)
tmp=$(mktemp -d)
trap 'kill "${pid:-0}" 2>/dev/null || true; rm -rf "$tmp"' EXIT

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ms() { python3 -c 'import sys,time; print(int(float(sys.argv[1])*1000))' "$1"; }

echo "| pods | start-up to URL | RSS after start | kubectl get pods -A (median of 3) | full JSON list (median of 3) | one 500-row Table page (median of 5) |"
echo "|---:|---:|---:|---:|---:|---:|"
for n in "${sizes[@]}"; do
  start=$(date +%s.%N)
  "$bin" sim serve --no-runs --pods "$n" --write-kubeconfig "$tmp/kc" > "$tmp/out" 2>&1 &
  pid=$!
  while [ ! -s "$tmp/kc" ]; do sleep 0.05; done
  up=$(python3 -c "import time; print(round((time.time()-$start)*1000))")
  url=$(head -1 "$tmp/out")
  sleep 2
  rss=$(awk '/VmRSS/ {print int($2/1024)}' /proc/$pid/status)
  kc=$(for _ in 1 2 3; do /usr/bin/time -f %e env KUBECONFIG="$tmp/kc" "$kubectl" get pods -A --no-headers 2>&1 >/dev/null | tail -1; done | median)
  full=$(for _ in 1 2 3; do curl -s -o /dev/null -w '%{time_total}\n' "$url/api/v1/pods"; done | median)
  page=$(for _ in 1 2 3 4 5; do curl -s -o /dev/null -w '%{time_total}\n' -H 'Accept: application/json;as=Table;v=v1;g=meta.k8s.io' "$url/api/v1/pods?limit=500"; done | median)
  echo "| $n | ${up} ms | ${rss} MiB | $(ms "$kc") ms | $(ms "$full") ms | $(ms "$page") ms |"
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -f "$tmp/kc"
done
