# Shared set-up of the whole-process benchmarks (sourced, not run): the release build, tmux,
# a scratch folder and a tmux session named after the caller, both removed on exit with the
# simulator the caller starts into `$sim`.
bin=target/release/strata
[ -x "$bin" ] || { echo "build first: cargo build --release" >&2; exit 2; }
command -v tmux >/dev/null || { echo "tmux is needed (apt-get install tmux)" >&2; exit 2; }
tmp=$(mktemp -d)
session=strata-$(basename "$0" .sh)-$$
cleanup() { tmux kill-session -t "$session" 2>/dev/null || true; kill "${sim:-0}" 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
