package io.github.moodleonfargate.bindingtest;

import io.github.moodleonfargate.MoodleNetworkProps;
import io.github.moodleonfargate.MoodleOnFargate;
import io.github.moodleonfargate.MoodleOnFargateProps;
import io.github.moodleonfargate.MoodlePreset;
import io.github.moodleonfargate.NatLayout;
import software.amazon.awscdk.Environment;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.assertions.Template;

/**
 * Synthesizes a Moodle site from Java through the built jar and checks what it holds. The lookups are
 * answered by CDK_CONTEXT_JSON (examples/offline-context.json), set by run.sh.
 */
public final class App {
    public static void main(final String[] args) {
        software.amazon.awscdk.App app = new software.amazon.awscdk.App();
        software.amazon.awscdk.Stack stack = new software.amazon.awscdk.Stack(app, "JavaBindingTest",
                StackProps.builder()
                        .env(Environment.builder().account("123456789012").region("us-east-1").build())
                        .build());
        MoodleOnFargate site = new MoodleOnFargate(stack, "Moodle", MoodleOnFargateProps.builder()
                .preset(MoodlePreset.DEVELOPMENT)
                .network(MoodleNetworkProps.builder().natLayout(NatLayout.SINGLE).build())
                .build());

        Template template = Template.fromStack(stack);
        template.resourceCountIs("AWS::EC2::NatGateway", 1);
        template.resourceCountIs("AWS::ECS::Service", 2);
        template.resourceCountIs("AWS::CloudFront::Distribution", 1);
        if (site.getNetwork().getNatLayout() != NatLayout.SINGLE) {
            throw new IllegalStateException("natLayout did not round-trip: " + site.getNetwork().getNatLayout());
        }
        String templateFile = app.synth().getStackByName("JavaBindingTest").getTemplateFile();
        System.out.println("java binding: synthesized " + templateFile.substring(templateFile.lastIndexOf('/') + 1)
                + " (site URL token " + site.getSiteUrl() + ")");
    }
}
