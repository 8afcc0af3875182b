#!/usr/bin/env bash
# Installs what Crossview needs on Debian 12, idempotently (only what is missing).
set -euo pipefail

need=()
# Desktop app: WebKitGTK 4.1 and GTK; end-to-end tests: Xvfb and WebKitWebDriver;
# fast UI tests with mocked IPC: Debian's Chromium.
for p in build-essential pkg-config libssl-dev libdbus-1-dev dbus gnome-keyring curl ca-certificates python3-venv \
         libwebkit2gtk-4.1-dev xvfb xauth webkit2gtk-driver chromium; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
command -v node >/dev/null && command -v npm >/dev/null || need+=(nodejs npm)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "[setup] installing: ${need[*]}" >&2
  $SUDO apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
fi
if ! command -v cargo >/dev/null && [ -x "$HOME/.cargo/bin/cargo" ]; then
  export PATH="$HOME/.cargo/bin:$PATH"
fi
command -v cargo >/dev/null || { echo "[setup] the Rust toolchain (rustup, cargo) is required: https://rustup.rs" >&2; exit 1; }

# The web UI's packages (exact versions from ui/package-lock.json), only when they changed.
if [ ! -f ui/node_modules/.package-lock.json ] || ! cmp -s ui/package-lock.json ui/node_modules/.crossview-lock; then
  (cd ui && npm ci --no-audit --no-fund --loglevel=error && cp package-lock.json node_modules/.crossview-lock)
fi
