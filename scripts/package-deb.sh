#!/usr/bin/env bash
# Builds the Debian package of the desktop app with the Tauri bundler:
# target/release/bundle/deb/Crossview_<version>_amd64.deb (release build: ~10 min on 2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
(cd ui && npm run build)
TAURI_APP_PATH=src-tauri npx --yes @tauri-apps/cli@2.11.5 build --bundles deb
ls -l target/release/bundle/deb/*.deb
