#!/usr/bin/env bash
# Runs AWS cfn-lint over every template the tests (test/.templates) and the examples (cdk.out/examples) wrote
# and the integ snapshots (integ/) hold, less the integ assertion stacks (integ-tests-alpha's own resources).
# Fails on any cfn-lint error; warnings are printed.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cfn-lint >/dev/null; then
  echo "cfn-lint is not installed: pip install -r requirements-dev.txt" >&2
  exit 1
fi

mapfile -t templates < <(find test/.templates cdk.out/examples integ -name '*.json' \
  \( -path 'test/.templates/*' -o -name '*.template.json' \) -not -name '*Assertions.template.json' 2>/dev/null | sort)
if [ "${#templates[@]}" -eq 0 ]; then
  echo "cfn-lint: no template found; run the tests and examples:synth first" >&2
  exit 1
fi

set +e
cfn-lint --format parseable -- "${templates[@]}"
status=$?
set -e
errors=$(( status & 2 ))
echo "cfn-lint $(cfn-lint --version | awk '{print $2}'): ${#templates[@]} templates, $([ "$errors" -eq 0 ] && echo 0 || echo 'some') errors (exit code $status)"
[ "$errors" -eq 0 ]
