#!/usr/bin/env bash
# Runs Crossview on its built-in demo trusts (synthetic patients served over
# loopback HTTP): syncs the demo patient from every trust and the GP, then
# prints the unified timeline and each source's freshness.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
cargo build --locked --bin crossview
CV=target/debug/crossview
NHS=${1:-9990000018}
echo "Demo patients:"
$CV demo patients
echo
$CV --demo sync --nhs "$NHS"
echo
$CV --demo timeline --nhs "$NHS"
echo
$CV --demo sources --nhs "$NHS"
