#!/usr/bin/env bash
# Gets a real Apache Airflow 3 (a cached venv, for the real-Airflow integration test) and the
# REST API specs of Airflow 3 (v2) and Airflow 2 (v1) (for the contract tests), and caches
# them outside the repository so a fresh clone (CI) reuses them.
#
# Sources (PyPI only):
#   - apache-airflow==$AIRFLOW3 installed into a venv; its apache-airflow-core ships
#     airflow/api_fastapi/core_api/openapi/v2-rest-api-generated.yaml (-> v2.yaml) and the
#     simple auth manager's .../auth/managers/simple/openapi/v2-simple-auth-manager-generated.yaml
#     (-> v2-auth.yaml, where POST /auth/token is);
#   - the apache-airflow==$AIRFLOW2 wheel (pip download --no-deps, never installed), which
#     ships airflow/api_connexion/openapi/v1.yaml.
# Airflow's published constraints files live outside the registries reached here, so the
# venv is resolved by pip alone; the install is checked by running `airflow version`.
#
# Usage: scripts/fetch-airflow.sh      prints two lines on stdout:
#                                        STRATA_AIRFLOW_VENV=<venv dir>
#                                        STRATA_AIRFLOW_SPECS=<dir with v1.yaml, v2.yaml, v2-auth.yaml>
# Env:   STRATA_AIRFLOW_CACHE          cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/strata)
#        STRATA_AIRFLOW3_VERSION       Airflow 3 version (default pinned below)
#        STRATA_AIRFLOW2_VERSION       Airflow 2 version for the v1 spec (default pinned below)
# Exit:  0 ready; 3 cannot be had here (registry unreachable, no python3/venv): callers may
#        skip loudly; 1 anything else (a broken install) which is a real failure.
set -euo pipefail

# Pinned: 3.3.2 is the version the fixtures in tests/fixtures/airflow came from.
readonly AIRFLOW3="${STRATA_AIRFLOW3_VERSION:-3.3.2}"
readonly AIRFLOW2="${STRATA_AIRFLOW2_VERSION:-2.11.2}"
readonly CACHE="${STRATA_AIRFLOW_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/strata}"
readonly VENV="$CACHE/airflow-$AIRFLOW3"
readonly SPECS="$CACHE/airflow-specs-$AIRFLOW3-$AIRFLOW2"

unavailable() {
    {
        echo
        echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
        echo "!! fetch-airflow: Airflow NOT AVAILABLE: $*"
        echo "!! tests/airflow_contract.rs and tests/airflow_real.rs will be SKIPPED"
        echo "!! (or FAIL under CI=true). Fix the cause and re-run scripts/fetch-airflow.sh."
        echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
        echo
    } >&2
    exit 3
}

fail() {
    echo "fetch-airflow: ERROR: $*" >&2
    exit 1
}

report() {
    echo "STRATA_AIRFLOW_VENV=$VENV"
    echo "STRATA_AIRFLOW_SPECS=$SPECS"
}

# The stamp is written last, so a venv whose install was interrupted is never taken as ready.
venv_ok() {
    [[ -f "$VENV/.strata-ready" && -x "$VENV/bin/airflow" ]]
}
specs_ok() {
    [[ -s "$SPECS/v1.yaml" && -s "$SPECS/v2.yaml" && -s "$SPECS/v2-auth.yaml" ]]
}

if venv_ok && specs_ok; then
    report
    exit 0
fi

command -v python3 >/dev/null 2>&1 || unavailable "python3 is not installed"
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 ||
    unavailable "python3 has no venv/ensurepip module (apt-get install python3-venv)"

mkdir -p "$CACHE"
# Test binaries may call this script in parallel on a cold cache: one installs, the others
# wait for it and then find everything ready.
if command -v flock >/dev/null 2>&1; then
    exec 9>"$CACHE/.fetch-airflow.lock"
    flock 9
    if venv_ok && specs_ok; then
        report
        exit 0
    fi
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# Bounded timeouts so an unreachable registry fails instead of hanging the test run.
readonly PIP_OPTS=(--disable-pip-version-check --timeout 30 --retries 2)

if ! venv_ok; then
    echo "fetch-airflow: installing apache-airflow==$AIRFLOW3 into $VENV (once; a few minutes)..." >&2
    start=$SECONDS
    rm -rf "$VENV"
    python3 -m venv "$VENV" || fail "python3 -m venv $VENV failed"
    if ! "$VENV/bin/pip" install "${PIP_OPTS[@]}" --quiet "apache-airflow==$AIRFLOW3" \
        >"$work/pip.log" 2>&1; then
        tail -n 15 "$work/pip.log" >&2
        if grep -qiE 'connection|timed out|temporary failure|no matching distribution' "$work/pip.log"; then
            rm -rf "$VENV"
            unavailable "pip install apache-airflow==$AIRFLOW3 failed (registry unreachable?)"
        fi
        fail "pip install apache-airflow==$AIRFLOW3 failed (see above)"
    fi
    out="$(AIRFLOW_HOME="$work/home" "$VENV/bin/airflow" version 2>&1)" ||
        fail "the installed airflow does not run: $(tail -n 5 <<<"$out")"
    echo "fetch-airflow: airflow $(tail -n1 <<<"$out") installed in $((SECONDS - start)) s" >&2
    touch "$VENV/.strata-ready"
fi

if ! specs_ok; then
    mkdir -p "$SPECS"
    # v2: from the venv's own package, wherever site-packages is.
    pkg="$("$VENV/bin/python" -c 'import airflow, os; print(os.path.dirname(airflow.__file__))')" ||
        fail "cannot locate the airflow package in $VENV"
    for pair in "core_api/openapi/v2-rest-api-generated.yaml:v2.yaml" \
        "auth/managers/simple/openapi/v2-simple-auth-manager-generated.yaml:v2-auth.yaml"; do
        src="$pkg/api_fastapi/${pair%%:*}"
        [[ -s "$src" ]] || fail "a v2 spec is not where it used to be: $src (layout changed?)"
        cp "$src" "$SPECS/.partial" && mv "$SPECS/.partial" "$SPECS/${pair##*:}"
    done

    echo "fetch-airflow: downloading the apache-airflow==$AIRFLOW2 wheel for the v1 spec..." >&2
    if ! python3 -m pip download "${PIP_OPTS[@]}" --no-deps -d "$work/wheel" \
        "apache-airflow==$AIRFLOW2" >"$work/dl.log" 2>&1; then
        tail -n 5 "$work/dl.log" >&2
        unavailable "pip download apache-airflow==$AIRFLOW2 failed (registry unreachable?)"
    fi
    python3 - "$work/wheel" "$SPECS" <<'PY' || fail "cannot extract v1.yaml from the Airflow 2 wheel"
import glob, os, sys, zipfile

wheel_dir, dest = sys.argv[1], sys.argv[2]
wheels = glob.glob(os.path.join(wheel_dir, "apache_airflow-*.whl"))
if len(wheels) != 1:
    sys.exit(f"expected one apache_airflow wheel, found {wheels}")
with zipfile.ZipFile(wheels[0]) as whl:
    data = whl.read("airflow/api_connexion/openapi/v1.yaml")
tmp = os.path.join(dest, ".v1.partial")
with open(tmp, "wb") as out:
    out.write(data)
os.replace(tmp, os.path.join(dest, "v1.yaml"))
PY
fi

report
