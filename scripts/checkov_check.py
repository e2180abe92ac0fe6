"""Runs checkov over the example templates and compares its failed checks with checkov-acknowledgments.json.

Fails on a failed check that no acknowledgment covers, and on an acknowledgment that no longer matches
anything (so the file stays true). An acknowledgment covers a check id on one resource type, with a reason.
"""
import glob
import json
import subprocess
import sys

ACKS_FILE = "checkov-acknowledgments.json"


def failed_checks(template: str) -> list[tuple[str, str, str]]:
    out = subprocess.run(
        ["checkov", "-f", template, "--framework", "cloudformation", "-o", "json", "--quiet", "--compact"],
        capture_output=True, text=True, check=False,
    )
    if out.returncode not in (0, 1):
        sys.exit(f"checkov failed on {template}: {out.stderr}")
    reports = json.loads(out.stdout or "[]")
    reports = reports if isinstance(reports, list) else [reports]
    return [
        (check["check_id"], check["resource"].split(".")[0], check["resource"].split(".", 1)[1])
        for report in reports if isinstance(report, dict) and "results" in report
        for check in report["results"]["failed_checks"]
    ]


def main() -> int:
    with open(ACKS_FILE) as f:
        acks = json.load(f)["acknowledgments"]
    templates = sorted(glob.glob("cdk.out/examples/*/*.template.json"))
    if not templates:
        sys.exit("checkov: no example template; run npx projen examples:synth first")
    used, unacknowledged, total = set(), [], 0
    for template in templates:
        for check_id, resource_type, logical_id in failed_checks(template):
            total += 1
            key = f"{check_id} {resource_type}"
            if key in acks:
                used.add(key)
            else:
                unacknowledged.append(f"{template}: {check_id} on {resource_type} {logical_id}")
    stale = sorted(set(acks) - used)
    for line in unacknowledged:
        print(f"UNACKNOWLEDGED {line}")
    for key in stale:
        print(f"STALE acknowledgment (matches nothing now, remove it): {key}")
    print(f"checkov: {len(templates)} templates, {total} failed checks, {len(unacknowledged)} unacknowledged, "
          f"{len(used)} acknowledgments used, {len(stale)} stale")
    return 1 if unacknowledged or stale else 0


if __name__ == "__main__":
    sys.exit(main())
