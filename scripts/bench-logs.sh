#!/usr/bin/env bash
# Whole-process benchmark of the log viewer: the cockpit (release build) in a real terminal
# (tmux, 200×60) following a Deployment of PODS pods that each write RATE lines a second in
# the simulator, as an operator would open it (`:deploy loadtest`, `l`):
#
#   cargo build --release && scripts/bench-logs.sh [PODS] [RATE] [SECONDS]
#
# Reports the lines the viewer took in over SECONDS (from its header: held plus let go by
# the cap; what it dropped is reported apart), the cockpit's CPU over that time while following, then while paused (`k`),
# and its RSS at the start, the end and after the buffer's cap is reached.
set -euo pipefail
cd "$(dirname "$0")/.."
pods=${1:-20}
rate=${2:-250}
seconds=${3:-30}
. scripts/bench-common.sh

"$bin" sim serve --no-runs --write-kubeconfig "$tmp/kc" > "$tmp/sim.out" 2>&1 &
sim=$!
while [ ! -s "$tmp/kc" ]; do sleep 0.05; done
api=$(head -1 "$tmp/sim.out")
post() { curl -s -X POST -H 'Content-Type: application/json' "$api$1" -d "$2" > /dev/null; }
post /api/v1/namespaces '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"loadtest"}}'
post /apis/apps/v1/namespaces/loadtest/deployments "$(cat <<EOF
{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"loadgen"},
 "spec":{"replicas":$pods,"selector":{"matchLabels":{"app":"loadgen"}},
  "template":{"metadata":{"labels":{"app":"loadgen"},
    "annotations":{"sim.strata.dev/script":"start=1s,log-rate=$rate"}},
   "spec":{"containers":[{"name":"app","image":"ghcr.io/acme/orders-api:2.3.1"}]}}}}
EOF
)"
running() {
  curl -s "$api/api/v1/namespaces/loadtest/pods" | python3 -c \
    'import json,sys; print(sum(1 for p in json.load(sys.stdin)["items"] if p.get("status",{}).get("phase")=="Running"))'
}
for _ in $(seq 1 200); do [ "$(running)" -ge "$pods" ] && break; sleep 0.1; done

capture() { tmux capture-pane -p -t "$session" 2>/dev/null || true; }
wait_for() {
  for _ in $(seq 1 600); do
    if capture | grep -q "$1"; then return 0; fi
    sleep 0.05
  done
  echo "not reached: $1" >&2; capture >&2; exit 1
}
tmux new-session -d -s "$session" -x 200 -y 60 "$bin --kubeconfig $tmp/kc -n loadtest"
wait_for "Platform\|Layers"
tmux send-keys -t "$session" ":deploy loadtest" Enter
wait_for "loadgen"
tmux send-keys -t "$session" "l"
wait_for "following"
wait_for "in $pods pod(s)"
pid=$(tmux list-panes -t "$session" -F '#{pane_pid}')
rss() { awk '/VmRSS/ {print int($2/1024)}' "/proc/$pid/status"; }
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
# Lines taken in: those held plus those the buffer's cap already let go.
held() {
  local header; header=$(capture | grep -m1 'in [0-9]* pod(s)')
  local kept gone
  kept=$(grep -o '· [0-9]* lines' <<<"$header" | head -1 | grep -o '[0-9]*' || echo 0)
  gone=$(grep -o 'oldest [0-9]* lines let go' <<<"$header" | grep -o '[0-9]*' || echo 0)
  echo $(( kept + gone ))
}
hz=$(getconf CLK_TCK)
rss_start=$(rss)
lines_start=$(held)
t0=$(ticks)
sleep "$seconds"
t1=$(ticks)
lines_end=$(held)
rss_end=$(rss)
dropped=$(capture | grep -o '[0-9]* lines dropped' || echo "none dropped")
following_cpu=$(awk -v a="$t0" -v b="$t1" -v hz="$hz" -v s="$seconds" 'BEGIN {printf "%.1f", (b-a)/hz/s*100}')
tmux send-keys -t "$session" "k"
sleep 1
t2=$(ticks)
sleep 10
t3=$(ticks)
paused_cpu=$(awk -v a="$t2" -v b="$t3" -v hz="$hz" 'BEGIN {printf "%.1f", (b-a)/hz/10*100}')
# Fill the buffer to its cap (200k lines or 32 MiB of text, whichever comes first) and see
# where memory settles.
tmux send-keys -t "$session" "G"
cap_wait=$(( 200000 / (pods * rate) + 5 ))
sleep "$cap_wait"
rss_cap=$(rss)

echo "pods: $pods × $rate lines/s = $((pods * rate)) lines/s, followed for ${seconds}s"
echo "lines taken in: $lines_start → $lines_end ($(( (lines_end - lines_start) / seconds )) lines/s taken in); $dropped"
echo "CPU following: ${following_cpu}% of one core; paused: ${paused_cpu}%"
echo "RSS: ${rss_start} MiB at start, ${rss_end} MiB after ${seconds}s, ${rss_cap} MiB with the buffer full (after ${cap_wait}s more)"
