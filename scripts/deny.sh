#!/usr/bin/env bash
# The dependency policy (deny.toml): licences, banned and duplicate crates, and
# crate sources, always; security advisories from the RustSec database when it
# can be fetched (it lives on github.com, which some build machines cannot
# reach: then the last fetched copy is used, or a NOTICE says advisories were
# not checked).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
DENY_VERSION=0.20.2
if ! cargo deny --version 2>/dev/null | grep -q "$DENY_VERSION"; then
  echo "[deny] installing cargo-deny $DENY_VERSION from crates.io (first time only, a few minutes)" >&2
  cargo install cargo-deny --version "$DENY_VERSION" --locked --quiet
fi
cargo deny --locked --workspace --log-level error check bans licenses sources
DB_DIR="${CARGO_HOME:-$HOME/.cargo}/advisory-dbs"
if timeout 60 cargo deny --locked --workspace fetch db >/dev/null 2>&1; then
  cargo deny --offline --workspace check advisories
elif compgen -G "$DB_DIR/*" >/dev/null; then
  echo "NOTICE: the RustSec advisory database could not be updated; checking against the copy fetched earlier"
  cargo deny --offline --workspace check advisories
else
  echo "NOTICE: the RustSec advisory database (github.com/rustsec/advisory-db) cannot be reached from this machine: security advisories NOT checked"
fi
