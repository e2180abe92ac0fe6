"""A development Moodle site on the CloudFront domain, in Python."""
import os

import aws_cdk as cdk
from moodle_on_fargate import MoodleOnFargate, MoodlePreset

app = cdk.App()
stack = cdk.Stack(
    app,
    "MoodleMinimalPython",
    env=cdk.Environment(account=os.environ.get("CDK_DEFAULT_ACCOUNT"), region=os.environ.get("CDK_DEFAULT_REGION")),
)
MoodleOnFargate(stack, "Moodle", preset=MoodlePreset.DEVELOPMENT)
app.synth()
