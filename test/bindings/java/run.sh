#!/usr/bin/env bash
# Builds a small Maven program against the built jar (dist/java, a Maven repository layout) and runs it.
set -euo pipefail
cd "$(dirname "$0")"
root=$(cd ../../.. && pwd)
version=$(node -p "require('$root/package.json').version")
cdk_version=$(node -p "require('$root/package.json').devDependencies['aws-cdk-lib']")
echo "java binding: moodle-on-fargate $version with aws-cdk-lib $cdk_version"
mvn --batch-mode --quiet -Dlibrary.repo="file://$root/dist/java" -Dlibrary.version="$version" \
  -Dcdk.version="$cdk_version" compile exec:java
