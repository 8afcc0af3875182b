#!/usr/bin/env bash
# The one command that runs every test (README, "Tests"). On a fresh Debian 12
# machine it installs what is missing first, including the real FHIR server.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT="$ROOT/test-output"
rm -rf "$OUT" && mkdir -p "$OUT"
t0=$(date +%s)
step() { echo; echo "== $* ($(( $(date +%s) - t0 )) s)"; }

step "setup"
scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"

step "real FHIR server (Helios FHIR Server) install"
scripts/real-fhir.sh install
PORTS=(18101 18102 18103)
URLS=()
for p in "${PORTS[@]}"; do URLS+=("http://127.0.0.1:$p"); done
export REAL_FHIR_RUN="${REAL_FHIR_RUN:-/tmp/crossview-real-fhir}"
trap 'scripts/real-fhir.sh stop "${PORTS[@]}" >/dev/null 2>&1 || true' EXIT
RESET=1 scripts/real-fhir.sh start "${PORTS[@]}"

step "web UI: type check, build, unit and component tests, browser tests with mocked IPC (Chromium)"
(cd ui && npm run build && npm test && npm run test:browser)

step "format and lint"
cargo fmt --all -- --check
cargo clippy --locked --workspace --all-targets -- -D warnings

step "load the real servers"
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

step "tests"
export CROSSVIEW_REAL_FHIR="$(IFS=,; echo "${URLS[*]}")"
export CROSSVIEW_REQUIRE_REAL_FHIR=1
export CROSSVIEW_REAL_FHIR_STOP="$ROOT/scripts/real-fhir.sh stop ${PORTS[*]}"
cargo test --locked --workspace 2>&1 | tee "$OUT/cargo-test.log"

step "end to end in the real WebKitGTK webview (Xvfb + WebKitWebDriver)"
xvfb-run -a -s "-screen 0 1280x800x24" \
  cargo test --locked -p crossview-desktop --test e2e -- --ignored 2>&1 | tee "$OUT/e2e.log"
echo "screenshots: $OUT/e2e/"
step "all tests passed"
