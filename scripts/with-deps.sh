#!/bin/sh
# Runs a command after making sure npm dependencies are installed and match package-lock.json.
# npm runs package scripts before any node_modules exist, so `npm test` / `npm run demo` on a fresh
# clone start here: install once (npm ci), then exec the command from node_modules/.bin.
set -e
cd "$(dirname "$0")/.."
stamp=node_modules/.viewership-deps-stamp
want=$(cat package.json package-lock.json 2>/dev/null | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "[deps] installing npm packages (first run or package.json changed)..." >&2
  # `npm ci`: exactly the locked versions, and the lockfile is never rewritten. The lockfile lists every
  # platform's optional packages (DuckDB, Temporal core), so it installs on any platform npm supports.
  npm ci --no-audit --no-fund >&2
  cat package.json package-lock.json | sha256sum | cut -d' ' -f1 > "$stamp"
fi
PATH="$PWD/node_modules/.bin:$PATH"
export PATH
exec "$@"
