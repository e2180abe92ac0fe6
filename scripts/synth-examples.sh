#!/usr/bin/env bash
# Synthesizes every TypeScript example app (offline) into cdk.out/examples/<name>.
# Each example registers cdk-nag, so an unacknowledged finding fails the synth.
set -euo pipefail
cd "$(dirname "$0")/.."
for app in examples/*/app.ts; do
  name=$(basename "$(dirname "$app")")
  out="cdk.out/examples/$name"
  rm -rf "$out"
  CDK_OUTDIR="$out" npx ts-node --project tsconfig.dev.json "$app"
  echo "synthesized $name: $(ls "$out"/*.template.json | tr '\n' ' ')"
done
