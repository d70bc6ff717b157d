#!/usr/bin/env bash
# Whole-process benchmark of the cockpit against the simulator with many pods: time from
# start to the first full frame, resident memory once settled, and CPU used over an idle
# minute. The cockpit runs in a real terminal (tmux) as a user would run it.
#
#   cargo build --release && scripts/bench-cockpit.sh [PODS] [IDLE_SECONDS]
#
# "First full frame": the first screen capture of the layers home screen with all layers
# drawn; then, after `:pods`, the first capture whose "n/TOTAL" counter shows every pod
# listed with the watch live. Captures are polled every 50 ms.
set -euo pipefail
cd "$(dirname "$0")/.."
pods=${1:-10000}
idle=${2:-60}
bin=target/release/strata
[ -x "$bin" ] || { echo "build first: cargo build --release" >&2; exit 2; }
command -v tmux >/dev/null || { echo "tmux is needed (apt-get install tmux)" >&2; exit 2; }
tmp=$(mktemp -d)
session=strata-bench-$$
cleanup() { tmux kill-session -t "$session" 2>/dev/null || true; kill "${sim:-0}" 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT

"$bin" sim serve --no-runs --pods "$pods" --write-kubeconfig "$tmp/kc" > "$tmp/sim.out" 2>&1 &
sim=$!
while [ ! -s "$tmp/kc" ]; do sleep 0.05; done
total=$(curl -s "$(head -1 "$tmp/sim.out")/api/v1/pods" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["items"]))')

start=$(date +%s%N)
tmux new-session -d -s "$session" -x 200 -y 60 "$bin --kubeconfig $tmp/kc -A"
# The home screen is the layers view: full once its component counter and the last layer
# (Platform) are drawn.
wait_for() {
  for _ in $(seq 1 1200); do
    screen=$(tmux capture-pane -p -t "$session" 2>/dev/null || true)
    if eval "$1"; then echo $(( ($(date +%s%N) - $2) / 1000000 )); return; fi
    sleep 0.05
  done
  echo "not reached"
}
layers=$(wait_for 'grep -q "Platform" <<<"$screen" && grep -Eq "Layers .* 1/[0-9]+" <<<"$screen" && ! grep -q "syncing" <<<"$screen"' "$start")
# Then the pods table with every pod listed and the watch live.
tmux send-keys -t "$session" ":pods" Enter
t_pods=$(date +%s%N)
first=$(wait_for 'grep -q "/$total" <<<"$screen" && grep -q "live" <<<"$screen"' "$t_pods")
pid=$(tmux list-panes -t "$session" -F '#{pane_pid}')
sleep 5
rss=$(awk '/VmRSS/ {print int($2/1024)}' "/proc/$pid/status")
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
hz=$(getconf CLK_TCK)
t0=$(ticks)
sleep "$idle"
t1=$(ticks)
cpu_ms=$(( (t1 - t0) * 1000 / hz ))
echo "| pods | start → first full layers frame | :pods → all pods listed | RSS settled | CPU over ${idle} s idle |"
echo "|---:|---:|---:|---:|---:|"
echo "| $total | ${layers} ms | ${first} ms | ${rss} MiB | ${cpu_ms} ms ($(python3 -c "print(round($cpu_ms/($idle*10), 2))") %) |"
