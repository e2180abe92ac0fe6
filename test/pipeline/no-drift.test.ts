import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { deployTarget } from './doubles';
import { actionsOf, allStatements, buildSpecOf, logicalIdOf, stagesOf } from './helpers';
import { MoodleImageTag, MoodlePipeline } from '../../src';
import { checkStack, testStack } from '../util/checks';

/**
 * No drift: after the pipeline rolled out image X, `cdk deploy` of the app must not bring an older image
 * back. What IMoodleDeployTarget asks of the service, and what the pipeline does:
 * - the service's task definitions read the tag from the tag parameter through a dynamic reference
 *   (`{{resolve:ssm:…}}`), resolved by CloudFormation at each deploy, never a literal in the template;
 * - its services follow the latest revision of their family;
 * - the pipeline writes the tag into the parameter after a successful upgrade, and changes nothing
 *   in the template's task definitions, services or parameter.
 */
describe('no drift back to an older image', () => {
  const stack = testStack();
  const target = deployTarget(stack);
  new MoodlePipeline(stack, 'Pipeline', { target });
  const template = checkStack(stack, 'pipeline-no-drift');
  const parameterRef = { Ref: logicalIdOf(template, 'AWS::SSM::Parameter', 'SiteImageTag') };

  test('the interface\'s image reads the tag from the parameter at deploy time', () => {
    const definitions = Object.values(template.findResources('AWS::ECS::TaskDefinition'));
    expect(definitions).toHaveLength(3);
    for (const definition of definitions) {
      const [container] = definition.Properties.ContainerDefinitions;
      const parts: unknown[] = container.Image['Fn::Join'][1];
      // <account>.dkr.ecr.<region>.<suffix>/<repository>:{{resolve:ssm:<parameter name>}}
      const tail = parts.slice(parts.length - 3);
      expect(tail).toEqual([':{{resolve:ssm:', parameterRef, '}}']);
    }
    expect(Stack.of(target).resolve(MoodleImageTag.reference(target.imageTagParameter))).toEqual({ 'Fn::Join': ['', ['{{resolve:ssm:', parameterRef, '}}']] });
  });

  test('the services follow the latest revision of their family', () => {
    for (const service of Object.values(template.findResources('AWS::ECS::Service'))) {
      expect(typeof service.Properties.TaskDefinition).toBe('string');
      expect(service.Properties.TaskDefinition).not.toContain(':');
      expect(service.Properties.DeploymentConfiguration.DeploymentCircuitBreaker).toEqual({ Enable: true, Rollback: true });
    }
  });

  test('the parameter\'s value in the template never changes (the pipeline owns it after creation)', () => {
    template.hasResourceProperties('AWS::SSM::Parameter', { Type: 'String', Value: 'initial' });
  });

  test('the pipeline writes the rolled-out tag into the parameter, after the upgrade succeeded', () => {
    const spec = buildSpecOf(template, 'PipelineUpgradeProject');
    const commands: string[] = spec.phases.build.commands;
    expect(commands.filter((command) => command.includes('ssm put-parameter'))).toEqual(['aws ssm put-parameter --name "$IMAGE_TAG_PARAMETER" --value "$IMAGE_TAG" --overwrite']);
    const upgradeSource = template.toJSON().Resources[logicalIdOf(template, 'AWS::CodeBuild::Project', 'PipelineUpgradeProject')].Properties.Source.BuildSpec;
    expect(JSON.stringify(upgradeSource)).toContain(JSON.stringify(parameterRef));
    // IMAGE_TAG is the tag the build pushed and wrote into imagedefinitions.json for the deploy actions.
    const [upgrade] = stagesOf(template)[2].actions;
    expect(JSON.parse(upgrade.Configuration.EnvironmentVariables)[0]).toEqual({ name: 'IMAGE_TAG', type: 'PLAINTEXT', value: '#{Build.IMAGE_TAG}' });
  });

  test('nothing in the pipeline changes the task definitions, services or parameter in the template', () => {
    const alone = testStack();
    deployTarget(alone);
    const without = Template.fromStack(alone).toJSON().Resources;
    const withPipeline = template.toJSON().Resources;
    for (const type of ['AWS::ECS::TaskDefinition', 'AWS::ECS::Service', 'AWS::SSM::Parameter']) {
      const of = (resources: Record<string, any>) => Object.fromEntries(Object.entries(resources).filter(([, resource]) => resource.Type === type));
      expect(of(withPipeline)).toEqual(of(without));
    }
    // No custom resource or Lambda function that could rewrite them at deploy time; the one custom resource
    // empties the artifact bucket in the rollback of a failed first creation, and its policy allows nothing else.
    const pipelineResources = Object.entries(withPipeline).filter(([id]) => id.startsWith('Pipeline')) as Array<[string, any]>;
    const pipelineTypes = new Set(pipelineResources.map(([, resource]) => resource.Type as string));
    expect([...pipelineTypes].filter((type) => type.startsWith('Custom::') || type === 'AWS::Lambda::Function' || type === 'AWS::CloudFormation::CustomResource'))
      .toEqual(['Custom::MoodleEmptyBucketOnRollback']);
    const cleanupPolicy = pipelineResources.find(([id, resource]) => id.startsWith('PipelineArtifactsRollbackCleanupPolicy') && resource.Type === 'AWS::IAM::Policy')![1];
    expect(cleanupPolicy.Properties.PolicyDocument.Statement.flatMap((statement: any) => [statement.Action].flat()).sort())
      .toEqual(['cloudformation:DescribeStacks', 's3:DeleteObject', 's3:DeleteObjectVersion', 's3:ListBucket', 's3:ListBucketVersions']);
  });

  test('no role in the stack may write the parameter except the upgrade step', () => {
    const writers = allStatements(template).filter(([, statement]) => actionsOf(statement).some((action) => /^ssm:(Put|Delete|Label|\*)/.test(action)));
    expect(writers.map(([id]) => id)).toEqual([logicalIdOf(template, 'AWS::IAM::Policy', 'PipelineUpgradeProjectRole')]);
  });
});
