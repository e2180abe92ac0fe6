#!/usr/bin/env bash
# Builds a small Maven program against the built jar (dist/java, a Maven repository layout) and runs it.
set -euo pipefail
cd "$(dirname "$0")"
root=$(cd ../../.. && pwd)
version=$(node -p "require('$root/package.json').version")
cdk_version=$(node -p "require('$root/package.json').devDependencies['aws-cdk-lib']")
rm -rf "$HOME/.m2/repository/io/github/moodle-on-fargate"  # never a stale copy of the jar under test
echo "java binding: moodle-on-fargate $version with aws-cdk-lib $cdk_version"
CDK_CONTEXT_JSON="$(cat "$root/examples/offline-context.json")" mvn --batch-mode --quiet -Dlibrary.repo="file://$root/dist/java" -Dlibrary.version="$version" \
  -Dcdk.version="$cdk_version" compile exec:java
