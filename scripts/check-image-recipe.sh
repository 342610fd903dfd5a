#!/usr/bin/env bash
# What can be checked of the container recipe without a Docker daemon: every file the Dockerfile copies exists
# in a clean clone, and the two stages' commands, run for real in scratch folders, give a bot that plain `node`
# starts and that answers /readyz on the given PostgreSQL. Usage:
#   scripts/check-image-recipe.sh postgres://postgres@127.0.0.1:5432/peeker_scratch
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
database_url="${1:?usage: $0 <DATABASE_URL of a scratch database>}"
scratch="$(mktemp -d /tmp/peeker-image-check-XXXXXX)"
trap 'rm -rf "$scratch"' EXIT

echo "== clean clone of HEAD into $scratch/build"
git clone --quiet "$repo" "$scratch/build"
cd "$scratch/build"

echo "== files the Dockerfile copies"
grep -E '^COPY ' Dockerfile | grep -v -- '--from=' | sed -E 's/^COPY( --[^ ]+)* //' | while read -r line; do
  read -ra parts <<<"$line"
  for source in "${parts[@]:0:${#parts[@]}-1}"; do
    [[ -e "$source" ]] || { echo "missing: $source"; exit 1; }
    echo "   ok  $source"
  done
done

echo "== build stage: npm ci && npm run build"
npm ci --no-audit --no-fund --loglevel=error
npm run build --silent
[[ -f dist/main.js && -d dist/migrations ]] || { echo "dist/ is incomplete"; exit 1; }
if find dist -name '*.test.*' | grep -q .; then echo "dist/ holds tests"; exit 1; fi

echo "== runtime stage: package files + npm ci --omit=dev + dist/"
mkdir "$scratch/runtime"
cp package.json package-lock.json "$scratch/runtime/"
(cd "$scratch/runtime" && NODE_ENV=production npm ci --omit=dev --no-audit --no-fund --loglevel=error)
cp -r dist "$scratch/runtime/dist"
if [[ -e "$scratch/runtime/node_modules/tsx" || -e "$scratch/runtime/node_modules/typescript" ]]; then
  echo "dev dependencies in the runtime install"; exit 1
fi
echo "   runtime node_modules: $(du -sh "$scratch/runtime/node_modules" | cut -f1)"

echo "== CMD [\"node\", \"dist/main.js\", \"start\"] on $(sed -E 's#//([^:@/]+):[^@]*@#//\1:***@#' <<<"$database_url")"
DATABASE_URL="$database_url" node "$repo/scripts/smoke-dist.mjs" "$scratch/runtime"
