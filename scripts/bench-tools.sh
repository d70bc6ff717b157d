#!/usr/bin/env bash
# What the tools' views cost while they sit on screen: the cockpit on the simulator (demo, its
# runs on, PODS extra pods), in tmux 200×60, with `:airflow` (or VIEW) open and read again
# every 3 s through a port-forward to the stand-in; its RSS every 30 s and its CPU over
# IDLE_SECONDS, next to the same cockpit idle on the layers.
#
#   cargo build --release && scripts/bench-tools.sh [PODS] [IDLE_SECONDS] [VIEW] [SHOWN]
#
# SHOWN is text the view shows once loaded (default: "port-forward", for :airflow and
# :airbyte; "owner=helm" for :helm).
set -euo pipefail

cd "$(dirname "$0")/.."
pods=${1:-10000}
idle=${2:-60}
view=${3:-airflow}
shown=${4:-port-forward}
. scripts/bench-common.sh

"$bin" sim serve --pods "$pods" --write-kubeconfig "$tmp/kc" > "$tmp/sim.out" 2>&1 &
sim=$!
while [ ! -s "$tmp/kc" ]; do sleep 0.05; done

wait_for() {
  for _ in $(seq 1 1200); do
    if tmux capture-pane -p -t "$session" 2>/dev/null | grep -q -- "$1"; then return 0; fi
    sleep 0.05
  done
  echo "bench-tools: gave up waiting for '$1'" >&2
  return 1
}

tmux new-session -d -s "$session" -x 200 -y 60 "XDG_STATE_HOME=$tmp/state $bin --kubeconfig $tmp/kc -A"
wait_for "Platform"
pid=$(tmux list-panes -t "$session" -F '#{pane_pid}')
rss() { awk '/VmRSS/ {print int($2/1024)}' "/proc/$pid/status"; }
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
hz=$(getconf CLK_TCK)

# Measures the cockpit as it is for $idle seconds: "RSS curve|CPU ms".
measure() {
  local curve t0 t1 left step
  sleep 5
  curve="$(rss)"
  t0=$(ticks)
  left=$idle
  while [ "$left" -gt 0 ]; do
    step=$(( left < 30 ? left : 30 ))
    sleep "$step"
    left=$((left - step))
    curve="$curve → $(rss)"
  done
  t1=$(ticks)
  echo "$curve|$(( (t1 - t0) * 1000 / hz ))"
}

layers=$(measure)
tmux send-keys -t "$session" ":$view" Enter
wait_for "$shown"
tools=$(measure)

pct() { python3 -c "print(round($1/($idle*10), 2))"; }
echo "| pods | screen | RSS every 30 s (MiB) | CPU over ${idle} s |"
echo "|---:|---|---|---:|"
echo "| $pods | layers | ${layers%|*} | ${layers#*|} ms ($(pct "${layers#*|}") %) |"
echo "| $pods | :$view | ${tools%|*} | ${tools#*|} ms ($(pct "${tools#*|}") %) |"
