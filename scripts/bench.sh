#!/usr/bin/env bash
# Benchmarks (figures printed, not pass/fail). Parts, all by default:
#   scripts/bench.sh [sync] [reads] [scale] [app]
# sync: the big patient from three real FHIR servers and a large in-process
# fixture patient; reads: timeline reads from the cache at three sizes; scale:
# Crossview against the peer script and the raw-HTTP floor at three sizes;
# app: the desktop app's first paint and memory.
set -euo pipefail
cd "$(dirname "$0")/.."
PARTS="${*:-sync reads scale app}"
want() { [[ " $PARTS " == *" $1 "* ]]; }
scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
PORTS=(18101 18102 18103)
URLS="http://127.0.0.1:18101,http://127.0.0.1:18102,http://127.0.0.1:18103"
trap 'scripts/real-fhir.sh stop "${PORTS[@]}" >/dev/null 2>&1 || true' EXIT
cargo build --release --locked --bin crossview
VENV="$(scripts/real-fhir.sh home)/venv"
if [ -f ../shared/real-fhir/load.py ]; then
  "$VENV/bin/python" -c "import carebundle, fhirpy" 2>/dev/null || { python3 -m venv "$VENV"; "$VENV/bin/pip" install -q "carebundle==0.5.0" "fhirpy==2.3.1"; }
fi
if want sync; then
RESET=1 scripts/real-fhir.sh start "${PORTS[@]}"
if [ -f ../shared/real-fhir/load.py ]; then
  "$VENV/bin/python" ../shared/real-fhir/load.py --servers "$URLS" | tail -2
  NHS=${CROSSVIEW_BENCH_NHS:-9998829763}
else
  # Without ../shared: the built-in demo's big patient (about 2,400 resources).
  target/release/crossview demo load --big 2400 --server http://127.0.0.1:18101 --server http://127.0.0.1:18102 --server http://127.0.0.1:18103
  NHS=${CROSSVIEW_BENCH_NHS:-9990009007}
fi
CROSSVIEW_REAL_FHIR="$URLS" CROSSVIEW_BENCH_NHS="$NHS" CROSSVIEW_BENCH_FIXTURE_BIG=${CROSSVIEW_BENCH_FIXTURE_BIG:-20000} \
  cargo bench --locked -p crossview --bench sync_real
fi

# Timeline reads from the cache at ~2,400 / 25,000 / 100,000 resources (no servers needed).
if want reads; then cargo bench --locked -p crossview --bench timeline_read; fi

# Scale, side by side in one run, per record size: Crossview's first and second
# sync (wall, CPU, peak RSS), the peer script (../shared/real-fhir/peer_sync.py,
# where present) and the raw-HTTP floor, against the three real servers loaded
# with one patient of that size (load.py --big-patient; the demo's big patient
# without ../shared).
if want scale; then
cargo build --release --locked -p crossview --bench http_floor >/dev/null 2>&1 || true
FLOOR="$(ls -t target/release/deps/http_floor-* 2>/dev/null | grep -v '\.d$' | head -1)"
measure() { # label, command...: wall s, CPU s, peak RSS MiB of the command and its children
  python3 - "$@" <<'PY'
import os, resource, subprocess, sys, time
label, cmd = sys.argv[1], sys.argv[2:]
t = time.perf_counter()
out = os.environ.get("MEASURE_OUT")
sink = open(out, "w") if out else subprocess.DEVNULL
done = subprocess.run(cmd, stdout=sink, stderr=subprocess.PIPE, text=True)
wall = time.perf_counter() - t
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"{label}: wall {wall:.2f} s, CPU {r.ru_utime + r.ru_stime:.2f} s, peak RSS {r.ru_maxrss / 1024:.0f} MiB, exit {done.returncode}")
if done.returncode not in (0, 3):
    print(done.stderr[-2000:])
PY
}
for SIZE in ${CROSSVIEW_BENCH_SCALE:-2400 25000 100000}; do
  echo "== one patient of about $SIZE resources across three servers"
  scripts/real-fhir.sh stop "${PORTS[@]}" >/dev/null 2>&1 || true
  RESET=1 scripts/real-fhir.sh start "${PORTS[@]}" >/dev/null
  if [ -f ../shared/real-fhir/load.py ]; then
    OUTDIR="$(mktemp -d)"
    "$VENV/bin/python" ../shared/real-fhir/load.py --servers "$URLS" --patients 0 --big-patient "$SIZE" --seed 77 --out "$OUTDIR" | tail -1
    NHS=$(python3 -c "import json,sys; m=json.load(open(sys.argv[1])); print([p for p in m['patients'] if p['big']][0]['nhs_number'])" "$OUTDIR/manifest.json")
  else
    target/release/crossview demo load --big "$SIZE" --server http://127.0.0.1:18101 --server http://127.0.0.1:18102 --server http://127.0.0.1:18103 >/dev/null
    NHS=9990009007
  fi
  CFG="$(mktemp -d)"
  printf '[[endpoint]]\nname = "A"\nkind = "hospital"\nbase_url = "http://127.0.0.1:18101"\nmax_pages = 100000\nmax_mib = 4096\nsync_timeout_s = 3600\n\n[[endpoint]]\nname = "B"\nkind = "hospital"\nbase_url = "http://127.0.0.1:18102"\nmax_pages = 100000\nmax_mib = 4096\nsync_timeout_s = 3600\n\n[[endpoint]]\nname = "GP"\nkind = "gp"\nbase_url = "http://127.0.0.1:18103"\nmax_pages = 100000\nmax_mib = 4096\nsync_timeout_s = 3600\n' > "$CFG/config.toml"
  export CROSSVIEW_DB_KEY=4242424242424242424242424242424242424242424242424242424242424242 CROSSVIEW_ACCESS_BASIS=direct-care
  # An incremental sync asks for what changed since a minute before the last
  # sync began (INCREMENTAL_OVERLAP_SECONDS): data loaded just now would all
  # count as changed. A real re-sync comes minutes or days later.
  sleep 61
  SYNC=(target/release/crossview --config "$CFG/config.toml" --data-dir "$CFG/data" sync --nhs "$NHS")
  measure "crossview sync, empty cache" "${SYNC[@]}"
  du -sh "$CFG/data" | sed 's/^/cache size after the first sync: /'
  measure "crossview sync --full, nothing changed" "${SYNC[@]}" --full
  measure "crossview sync (incremental), nothing changed" "${SYNC[@]}"
  python3 scripts/bench-change.py "$URLS" "$NHS" 0.01
  MEASURE_OUT="$CFG/changed.json" measure "crossview sync (incremental), 1% changed" "${SYNC[@]}" --json
  python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print('  the 1% sync fetched', sum(sum(e['counts'].values()) for e in r['endpoints']), 'resources;', ', '.join(e['source'] + ': ' + e['fetch'] for e in r['endpoints']))" "$CFG/changed.json"
  du -sh "$CFG/data" | sed 's/^/cache size: /'
  if [ -f ../shared/real-fhir/peer_sync.py ]; then
    measure "peer_sync.py (fhirpy), 1 run" "$VENV/bin/python" ../shared/real-fhir/peer_sync.py "$NHS" ${URLS//,/ } --db "$CFG/peer.sqlite"
  else
    echo "NOTICE: ../shared is not present: the peer script comparison is skipped"
  fi
  [ -n "$FLOOR" ] && CROSSVIEW_REAL_FHIR="$URLS" CROSSVIEW_BENCH_NHS="$NHS" "$FLOOR"
  rm -rf "$CFG"
done
fi

# Desktop app: launch to first paint of a ~10,000-event timeline, and memory after load.
if want app; then
  (cd ui && npm run build >/dev/null)
  xvfb-run -a -s "-screen 0 1280x800x24" cargo bench --locked -p crossview-desktop --bench startup
fi
