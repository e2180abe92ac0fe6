#!/usr/bin/env bash
# Benchmarks (figures, not tests): synth time of each example (median of N runs, default 5) with its
# resource count, then the fixed monthly cost of each preset.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
echo "| example | synth time, median of $runs (ms) | resources |"
echo "| --- | ---: | ---: |"
for app in examples/*/app.ts; do
  name=$(basename "$(dirname "$app")")
  times=()
  for _ in $(seq "$runs"); do
    times+=("$(bash scripts/synth-examples.sh "$name" 2>/dev/null | sed -n 's/^synthesized .* in \([0-9]*\) ms.*/\1/p')")
  done
  median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  resources=$(python3 -c "import json,glob; print(sum(len(json.load(open(f))['Resources']) for f in glob.glob('cdk.out/examples/$name/*.template.json')))")
  echo "| $name | $median | $resources |"
done
echo
npx ts-node -T --project tsconfig.dev.json scripts/cost/preset-cost.ts
