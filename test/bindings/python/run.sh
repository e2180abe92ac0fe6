#!/usr/bin/env bash
# Installs the built wheel (dist/python) into a fresh venv, synthesizes a stack with it, then synthesizes the
# Python example (offline, like scripts/synth-examples.sh) and checks it with cdk-nag.
set -euo pipefail
cd "$(dirname "$0")/../../.."
cdk_version=$(node -p "require('./package.json').devDependencies['aws-cdk-lib']")
nag_version=$(node -p "require('./package.json').devDependencies['cdk-nag']")
venv=.venv/bindings
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --upgrade pip
wheel=$(ls dist/python/*.whl)
echo "python binding: installing $wheel with aws-cdk-lib==$cdk_version and cdk-nag==$nag_version"
"$venv/bin/pip" install --quiet "$wheel" "aws-cdk-lib==$cdk_version" "cdk-nag==$nag_version"
"$venv/bin/python" test/bindings/python/app.py

rm -rf cdk.out/examples/minimal-python
CDK_OUTDIR=cdk.out/examples/minimal-python \
CDK_DEFAULT_ACCOUNT="${CDK_DEFAULT_ACCOUNT:-123456789012}" CDK_DEFAULT_REGION="${CDK_DEFAULT_REGION:-us-east-1}" \
CDK_CONTEXT_JSON="${CDK_CONTEXT_JSON:-$(cat examples/offline-context.json)}" \
  "$venv/bin/python" test/bindings/python/synth_example.py
