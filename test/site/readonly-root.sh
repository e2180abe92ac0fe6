#!/usr/bin/env bash
# Runs a command the way a container with a read-only root file system runs: in a private mount namespace,
# every mount read-only except /proc, /sys and /dev, and the given directories (the local stand-ins of the
# task's volumes) writable; then as uid:gid. Other processes of the machine keep their mounts as they are.
# Needs root. (The task's /tmp volume is one of the directories; the caller points TMPDIR at it, as /tmp itself
# may hold the project.)
# Usage: readonly-root.sh <uid>:<gid> <writable dir>... -- <command> [args...]
set -euo pipefail
if [[ "${READONLY_ROOT_NAMESPACE:-}" != 1 ]]; then
  # unshare without --fork execs the command: the task keeps this process's id, so signals reach it.
  READONLY_ROOT_NAMESPACE=1 exec unshare --mount --propagation private "$0" "$@"
fi
unset READONLY_ROOT_NAMESPACE
user=$1
shift
writable=()
while [[ $1 != -- ]]; do writable+=("$1"); shift; done
shift
mapfile -t mounts < <(findmnt -rno TARGET | grep -Ev '^/(proc|sys|dev)(/|$)')
for dir in "${writable[@]}"; do mount --bind "$dir" "$dir"; done
for target in "${mounts[@]}"; do
  target=$(printf '%b' "$target")
  if ! mount -o remount,bind,ro "$target" 2>/dev/null; then
    [[ $target != / ]] || { echo "readonly-root: cannot make / read-only" >&2; exit 70; }
    echo "readonly-root: $target stays as it is (cannot remount it read-only)" >&2
  fi
done
exec setpriv --reuid="${user%%:*}" --regid="${user##*:}" --clear-groups -- "$@"
