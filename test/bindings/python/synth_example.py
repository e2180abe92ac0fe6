"""Synthesizes examples/minimal-python with the built wheel (offline) and checks it with cdk-nag."""
import runpy
import sys

from cdk_nag import AwsSolutionsChecks

example = runpy.run_path("examples/minimal-python/app.py")
report = AwsSolutionsChecks().validate_scope(example["stack"])
findings = [f"{v.rule_name} at {r.construct_path}" for v in report.violations for r in v.violating_resources]
if findings:
    sys.exit("cdk-nag findings in the Python example:\n" + "\n".join(findings))
print("python example: synthesized examples/minimal-python, cdk-nag: 0 unacknowledged findings")
