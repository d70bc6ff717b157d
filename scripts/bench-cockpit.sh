#!/usr/bin/env bash
# Whole-process benchmark of the cockpit against the simulator with many pods, in a real
# terminal (tmux, 200×60) as a user would run it:
#
#   cargo build --release && scripts/bench-cockpit.sh [PODS] [IDLE_SECONDS] [CHURN_PER_SECOND] [CHURN_SECONDS]
#
# 1. start → first full layers frame: the first capture of the home screen with every layer,
#    the component counter, and nothing left syncing;
# 2. `:pods` → the first capture whose "n/TOTAL" counter shows every pod with the watch live;
# 3. a pod change on screen: a pod created in namespace `aaa` (sorted first, so on screen) →
#    the first capture that shows it (median of 5);
# 4. RSS after 5 s, then RSS and CPU sampled every 30 s over IDLE_SECONDS doing nothing;
# 5. with CHURN_PER_SECOND > 0: the simulator changes that many pods a second for
#    CHURN_SECONDS; the cockpit's CPU during it, the latency of a probe change during it
#    (does a backlog build up?), and RSS during and 30 s after.
# Captures are polled every 50 ms, so latencies are accurate to about that.
set -euo pipefail
cd "$(dirname "$0")/.."
pods=${1:-10000}
idle=${2:-60}
churn=${3:-0}
churn_seconds=${4:-60}
. scripts/bench-common.sh

churn_args=()
[ "$churn" -gt 0 ] && churn_args=(--churn "$churn")
"$bin" sim serve --no-runs --pods "$pods" "${churn_args[@]}" --write-kubeconfig "$tmp/kc" > "$tmp/sim.out" 2>&1 &
sim=$!
while [ ! -s "$tmp/kc" ]; do sleep 0.05; done
api=$(head -1 "$tmp/sim.out")
total=$(curl -s "$api/api/v1/pods" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["items"]))')
curl -s -X POST -H 'Content-Type: application/json' "$api/api/v1/namespaces" \
  -d '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"aaa"}}' > /dev/null

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
wait_for() {
  for _ in $(seq 1 1200); do
    screen=$(tmux capture-pane -p -t "$session" 2>/dev/null || true)
    if eval "$1"; then echo $(( $(now_ms) - $2 )); return; fi
    sleep 0.05
  done
  echo "not reached"
}
median() { tr ' ' '\n' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

start=$(now_ms)
tmux new-session -d -s "$session" -x 200 -y 60 "$bin --kubeconfig $tmp/kc -A"
layers=$(wait_for 'grep -q "Platform" <<<"$screen" && grep -Eq "Layers .* 1/[0-9]+" <<<"$screen" && ! grep -q "syncing" <<<"$screen"' "$start")
total=$((total + 0))
tmux send-keys -t "$session" ":pods" Enter
t_pods=$(now_ms)
first=$(wait_for 'grep -q "/$total" <<<"$screen" && grep -q "live" <<<"$screen"' "$t_pods")
pid=$(tmux list-panes -t "$session" -F '#{pane_pid}')

# A change on screen: new pods in `aaa` sort first, so they appear at the top of the table.
probe() {
  local name=$1 t
  t=$(now_ms)
  curl -s -X POST -H 'Content-Type: application/json' "$api/api/v1/namespaces/aaa/pods" \
    -d "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"$name\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox:1\"}]}}" > /dev/null
  wait_for "grep -q '$name' <<<\"\$screen\"" "$t"
}
changes=""
for i in 1 2 3 4 5; do changes="$changes $(probe "probe-$i")"; sleep 0.3; done
change=$(echo $changes | median)

rss() { awk '/VmRSS/ {print int($2/1024)}' "/proc/$pid/status"; }
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
hz=$(getconf CLK_TCK)
sleep 5
rss_settled=$(rss)
curve="$rss_settled"
t0=$(ticks)
left=$idle
while [ "$left" -gt 0 ]; do
  step=$(( left < 30 ? left : 30 ))
  sleep "$step"
  left=$((left - step))
  curve="$curve → $(rss)"
done
t1=$(ticks)
cpu_ms=$(( (t1 - t0) * 1000 / hz ))
quiet="idle"
[ "$churn" -gt 0 ] && quiet="under churn"
echo "| pods | start → first full layers frame | :pods → all pods listed | a pod change on screen (median of 5) | RSS settled | RSS every 30 s $quiet (MiB) | CPU over ${idle} s $quiet |"
echo "|---:|---:|---:|---:|---:|---|---:|"
echo "| $total | ${layers} ms | ${first} ms | ${change} ms | ${rss_settled} MiB | $curve | ${cpu_ms} ms ($(python3 -c "print(round($cpu_ms/($idle*10), 2))") %) |"

if [ "$churn" -gt 0 ]; then
  # The simulator has been churning since it started; measure the cockpit through it.
  t0=$(ticks)
  during=""
  latencies=""
  waited=0
  while [ "$waited" -lt "$churn_seconds" ]; do
    latencies="$latencies $(probe "churn-probe-$waited")"
    during="$during $(rss)"
    sleep 9
    waited=$((waited + 10))
  done
  t1=$(ticks)
  churn_cpu=$(( (t1 - t0) * 1000 / hz ))
  # Stop the churn by pausing the simulator, then let the cockpit settle.
  kill -STOP "$sim"; sleep 30; kill -CONT "$sim"
  after=$(rss)
  echo
  echo "| churn | CPU during ${churn_seconds} s | probe change on screen during churn (ms, every 10 s) | RSS during (MiB) | RSS 30 s after |"
  echo "|---:|---:|---|---|---:|"
  echo "| ${churn}/s | ${churn_cpu} ms ($(python3 -c "print(round($churn_cpu/($churn_seconds*10), 1))") %) |$latencies |$during | ${after} MiB |"
fi
