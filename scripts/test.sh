#!/usr/bin/env bash
# The one command that runs every test (README, "Tests"). On a fresh Debian 12
# machine it installs what is missing first, including the real FHIR server.
#
# Cheap checks run first and stop at the first failure: format, lint, the
# dependency policy (cargo deny), unit tests, the web UI's tests. The real FHIR
# server's first build (tens of minutes) starts in the background at once, so
# it overlaps those stages; the integration and end-to-end tests run last.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT="$ROOT/test-output"
rm -rf "$OUT" && mkdir -p "$OUT"
T0=$(date +%s)
STAGES=()
stage_name=""
stage_t0=$T0
finish_stage() {
  if [ -n "$stage_name" ]; then
    STAGES+=("$(printf '%5d s  %s' $(( $(date +%s) - stage_t0 )) "$stage_name")")
  fi
}
stage() {
  finish_stage
  stage_name="$*"
  stage_t0=$(date +%s)
  echo
  echo "== $* ($(( stage_t0 - T0 )) s)"
}
report() {
  local rc=$?
  finish_stage
  echo
  echo "== stage durations"
  printf '%s\n' "${STAGES[@]}"
  echo "total $(( $(date +%s) - T0 )) s"
  [ "$rc" -eq 0 ] || echo "FAILED in stage: $stage_name"
}

PORTS=(18101 18102 18103)
URLS=()
for p in "${PORTS[@]}"; do URLS+=("http://127.0.0.1:$p"); done
export REAL_FHIR_RUN="${REAL_FHIR_RUN:-/tmp/crossview-real-fhir}"
cleanup() {
  report
  scripts/real-fhir.sh stop "${PORTS[@]}" >/dev/null 2>&1 || true
}
trap cleanup EXIT

stage "setup (system packages, web UI packages)"
scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"

stage "real FHIR server install (in the background)"
# Detached so that a failing early stage does not waste a build the next run reuses.
setsid nohup scripts/real-fhir.sh install >"$OUT/real-fhir-install.log" 2>&1 &
INSTALL_PID=$!
echo "building or checking Helios FHIR Server in the background (pid $INSTALL_PID; log test-output/real-fhir-install.log)"

stage "format"
cargo fmt --all -- --check

stage "web UI build (the desktop app embeds ui/dist)"
(cd ui && npm run build)

stage "lint (clippy -D warnings)"
cargo clippy --locked --workspace --all-targets -- -D warnings

stage "dependency policy (cargo deny)"
scripts/deny.sh

stage "unit tests"
cargo test --locked --workspace --lib --bins 2>&1 | tee "$OUT/unit-tests.log"

stage "web UI: unit and component tests, browser tests with mocked IPC (Chromium)"
(cd ui && npm test && npm run test:browser)
scripts/npm-audit.sh

stage "real FHIR servers: wait for the install, start, load"
if ! wait "$INSTALL_PID"; then
  tail -30 "$OUT/real-fhir-install.log" >&2
  echo "the real FHIR server could not be installed" >&2
  exit 1
fi
RESET=1 scripts/real-fhir.sh start "${PORTS[@]}"
cargo build --locked --bin crossview
loaders=()
for u in "${URLS[@]}"; do loaders+=(--server "$u"); done
target/debug/crossview demo load "${loaders[@]}"
SHARED="$ROOT/../shared"
if [ -f "$SHARED/real-fhir/load.py" ]; then
  VENV="$(scripts/real-fhir.sh home)/venv"
  if ! "$VENV/bin/python" -c "import carebundle, fhirpy" 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q "carebundle==0.5.0" "fhirpy==2.3.1"
  fi
  "$VENV/bin/python" "$SHARED/real-fhir/load.py" --servers "$(IFS=,; echo "${URLS[*]}")" --out "$OUT/loadpy" >"$OUT/loadpy.log"
  tail -3 "$OUT/loadpy.log"
  export CROSSVIEW_LOADPY_OUT="$OUT/loadpy"
else
  echo "NOTICE: ../shared is not present: the shared load.py patients are not loaded (the built-in demo data is)"
fi

stage "integration tests (loopback fixture servers, real FHIR servers, real SQLite files)"
export CROSSVIEW_REAL_FHIR="$(IFS=,; echo "${URLS[*]}")"
export CROSSVIEW_REQUIRE_REAL_FHIR=1
export CROSSVIEW_REAL_FHIR_STOP="$ROOT/scripts/real-fhir.sh stop ${PORTS[*]}"
cargo test --locked --workspace --test '*' 2>&1 | tee "$OUT/cargo-test.log"

stage "end to end in the real WebKitGTK webview (Xvfb + WebKitWebDriver)"
xvfb-run -a -s "-screen 0 1280x800x24" \
  cargo test --locked --workspace --test e2e -- --ignored 2>&1 | tee "$OUT/e2e.log"
echo "screenshots: $OUT/e2e/"
stage "all tests passed"
