"""Synthesizes a Moodle stack from Python through the built wheel and checks what it holds."""
import aws_cdk as cdk
from aws_cdk import assertions

from moodle_on_fargate import MoodleNetwork, NatLayout

app = cdk.App()
stack = cdk.Stack(app, "PythonBindingTest", env=cdk.Environment(region="eu-west-1"))
network = MoodleNetwork(stack, "Network", nat_layout=NatLayout.SINGLE)

template = assertions.Template.from_stack(stack)
template.resource_count_is("AWS::EC2::VPC", 1)
template.resource_count_is("AWS::EC2::Subnet", 6)
template.resource_count_is("AWS::EC2::NatGateway", 1)
assert network.nat_layout == NatLayout.SINGLE

assembly = app.synth()
print(f"python binding: synthesized {assembly.get_stack_by_name('PythonBindingTest').template_file} "
      f"with {len(template.to_json()['Resources'])} resources")
