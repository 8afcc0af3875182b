#!/usr/bin/env bash
# Known vulnerabilities in the web UI's shipped (non-dev) npm packages.
set -euo pipefail
cd "$(dirname "$0")/../ui"
npm audit --omit=dev --audit-level=low
