#!/usr/bin/env bash
# Benchmarks (figures printed, not pass/fail): sync of the big patient from three
# real FHIR servers, and of a large in-process fixture patient.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
PORTS=(18101 18102 18103)
URLS="http://127.0.0.1:18101,http://127.0.0.1:18102,http://127.0.0.1:18103"
trap 'scripts/real-fhir.sh stop "${PORTS[@]}" >/dev/null 2>&1 || true' EXIT
RESET=1 scripts/real-fhir.sh start "${PORTS[@]}"
cargo build --release --locked --bin crossview
if [ -f ../shared/real-fhir/load.py ]; then
  VENV="$(scripts/real-fhir.sh home)/venv"
  "$VENV/bin/python" -c "import carebundle, fhirpy" 2>/dev/null || { python3 -m venv "$VENV"; "$VENV/bin/pip" install -q "carebundle==0.5.0" "fhirpy==2.3.1"; }
  "$VENV/bin/python" ../shared/real-fhir/load.py --servers "$URLS" | tail -2
  NHS=${CROSSVIEW_BENCH_NHS:-9998829763}
else
  # Without ../shared: the built-in demo's big patient (about 2,400 resources).
  target/release/crossview demo load --big 2400 --server http://127.0.0.1:18101 --server http://127.0.0.1:18102 --server http://127.0.0.1:18103
  NHS=${CROSSVIEW_BENCH_NHS:-9990009007}
fi
CROSSVIEW_REAL_FHIR="$URLS" CROSSVIEW_BENCH_NHS="$NHS" CROSSVIEW_BENCH_FIXTURE_BIG=${CROSSVIEW_BENCH_FIXTURE_BIG:-20000} \
  cargo bench --locked -p crossview --bench sync_real

# Desktop app: launch to first paint of a ~10,000-event timeline, and memory after load.
(cd ui && npm run build >/dev/null)
xvfb-run -a -s "-screen 0 1280x800x24" cargo bench --locked -p crossview-desktop --bench startup
