#!/usr/bin/env bash
# Installs the built wheel (dist/python) into a fresh venv and synthesizes a stack with it.
set -euo pipefail
cd "$(dirname "$0")/../../.."
cdk_version=$(node -p "require('./package.json').devDependencies['aws-cdk-lib']")
venv=.venv/bindings
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --upgrade pip
wheel=$(ls dist/python/*.whl)
echo "python binding: installing $wheel with aws-cdk-lib==$cdk_version"
"$venv/bin/pip" install --quiet "$wheel" "aws-cdk-lib==$cdk_version"
"$venv/bin/python" test/bindings/python/app.py
