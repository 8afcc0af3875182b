#!/usr/bin/env bash
# Builds and launches the Crossview desktop app on its built-in demo trusts:
# synthetic patients at three trusts and a GP, served over loopback HTTP, with
# the demo patient ASHWORTH, Ada (NHS No. 999 000 0018) opened at start.
# Without a display it runs the command-line demo instead.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
NHS=${1:-9990000018}
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  (cd ui && npm run build)
  cargo build --locked -p crossview-desktop
  exec target/debug/crossview-desktop --demo --nhs "$NHS"
fi
echo "No display found (DISPLAY/WAYLAND_DISPLAY unset): running the command-line demo instead."
cargo build --locked --bin crossview
CV=target/debug/crossview
# Every read of a record states why (see README, "Access basis"); the app asks in a dialog.
export CROSSVIEW_ACCESS_BASIS=direct-care
$CV demo patients
echo
$CV --demo sync --nhs "$NHS"
echo
$CV --demo timeline --nhs "$NHS"
echo
$CV --demo summary --nhs "$NHS"
echo
$CV --demo sources --nhs "$NHS"
