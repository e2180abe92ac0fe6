#!/usr/bin/env bash
# Synthesizes the TypeScript example apps (offline) into cdk.out/examples/<name>: all of them, or those named.
# Without AWS credentials, the account is a placeholder and examples/offline-context.json answers the
# synth-time lookups (AZs, CloudFront's prefix list) the way cdk.context.json would after a real lookup.
# Each example checks cdk-nag, so an unacknowledged finding fails the synth.
set -euo pipefail
cd "$(dirname "$0")/.."
export CDK_DEFAULT_ACCOUNT="${CDK_DEFAULT_ACCOUNT:-123456789012}"
export CDK_DEFAULT_REGION="${CDK_DEFAULT_REGION:-us-east-1}"
export CDK_CONTEXT_JSON="${CDK_CONTEXT_JSON:-$(cat examples/offline-context.json)}"
names=("$@")
[ "${#names[@]}" -gt 0 ] || mapfile -t names < <(ls -d examples/*/app.ts | xargs -n1 dirname | xargs -n1 basename)
for name in "${names[@]}"; do
  out="cdk.out/examples/$name"
  rm -rf "$out"
  start=$(date +%s%N)
  CDK_OUTDIR="$out" npx ts-node --project tsconfig.dev.json "examples/$name/app.ts"
  echo "synthesized $name in $(( ($(date +%s%N) - start) / 1000000 )) ms: $(ls "$out"/*.template.json | tr '\n' ' ')"
done
