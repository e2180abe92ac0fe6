package io.github.moodleonfargate.bindingtest;

import io.github.moodleonfargate.MoodleNetwork;
import io.github.moodleonfargate.MoodleNetworkProps;
import io.github.moodleonfargate.NatLayout;
import software.amazon.awscdk.Environment;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.assertions.Template;

/** Synthesizes a Moodle stack from Java through the built jar and checks what it holds. */
public final class App {
    public static void main(final String[] args) {
        software.amazon.awscdk.App app = new software.amazon.awscdk.App();
        software.amazon.awscdk.Stack stack = new software.amazon.awscdk.Stack(app, "JavaBindingTest",
                StackProps.builder().env(Environment.builder().region("eu-west-1").build()).build());
        MoodleNetwork network = new MoodleNetwork(stack, "Network",
                MoodleNetworkProps.builder().natLayout(NatLayout.SINGLE).build());

        Template template = Template.fromStack(stack);
        template.resourceCountIs("AWS::EC2::VPC", 1);
        template.resourceCountIs("AWS::EC2::Subnet", 6);
        template.resourceCountIs("AWS::EC2::NatGateway", 1);
        if (network.getNatLayout() != NatLayout.SINGLE) {
            throw new IllegalStateException("natLayout did not round-trip: " + network.getNatLayout());
        }
        String templateFile = app.synth().getStackByName("JavaBindingTest").getTemplateFile();
        System.out.println("java binding: synthesized " + templateFile);
    }
}
