"""Synthesizes a Moodle site from Python through the built wheel and checks what it holds."""
import json
import os

import aws_cdk as cdk
from aws_cdk import assertions

from moodle_on_fargate import MoodleOnFargate, MoodlePreset, NatLayout, MoodleNetworkProps

with open("examples/offline-context.json") as f:
    context = json.load(f)
app = cdk.App(context=context)
stack = cdk.Stack(app, "PythonBindingTest", env=cdk.Environment(account="123456789012", region="us-east-1"))
site = MoodleOnFargate(stack, "Moodle", preset=MoodlePreset.DEVELOPMENT, network=MoodleNetworkProps(nat_layout=NatLayout.SINGLE))

template = assertions.Template.from_stack(stack)
template.resource_count_is("AWS::EC2::NatGateway", 1)
template.resource_count_is("AWS::ECS::Service", 2)
template.resource_count_is("AWS::CloudFront::Distribution", 1)
assert site.network.nat_layout == NatLayout.SINGLE
assert site.service.admin_user == "admin"

assembly = app.synth()
print(f"python binding: synthesized {os.path.basename(assembly.get_stack_by_name('PythonBindingTest').template_file)} "
      f"with {len(template.to_json()['Resources'])} resources")
