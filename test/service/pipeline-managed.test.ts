import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { tiers } from './doubles';
import { MoodlePipeline } from '../../src/pipeline';
import { MoodleService } from '../../src/service';
import { checkStack, testStack } from '../util/checks';

type Resources = Record<string, { Type: string; Properties: Record<string, any> }>;

function managedSite() {
  const stack = testStack();
  const { props } = tiers(stack);
  const service = new MoodleService(stack, 'Service', { ...props, pipelineManagedImage: true });
  return { stack, service };
}

describe('MoodleService with pipelineManagedImage', () => {
  const { stack, service } = managedSite();
  const template = Template.fromStack(stack);
  const resources = template.toJSON().Resources as Resources;
  const parameterId = Object.keys(template.findResources('AWS::SSM::Parameter'))[0];

  test('keeps the image tag in an SSM parameter whose template value only names the bootstrap image', () => {
    template.resourceCountIs('AWS::SSM::Parameter', 1);
    template.hasResourceProperties('AWS::SSM::Parameter', { Type: 'String', Value: 'bootstrap-arm64' });
  });

  test('builds the bootstrap image under that fixed tag', () => {
    template.hasResourceProperties('AWS::CodeBuild::Project', {
      Environment: { EnvironmentVariables: Match.arrayWith([{ Name: 'IMAGE_TAG', Type: 'PLAINTEXT', Value: 'bootstrap-arm64' }]) },
    });
  });

  test('every task definition reads the tag from the parameter at deploy time, never from a literal', () => {
    const definitions = Object.values(resources).filter((resource) => resource.Type === 'AWS::ECS::TaskDefinition');
    // web, cron, install/upgrade and export: the export runs the image the site runs.
    expect(definitions).toHaveLength(4);
    for (const definition of definitions) {
      const image = JSON.stringify(definition.Properties.ContainerDefinitions[0].Image);
      expect(image).toContain('{{resolve:ssm:');
      expect(image).toContain(parameterId);
      expect(image).not.toContain('bootstrap');
    }
  });

  test('the services follow the latest revision and roll out each revision CloudFormation registers', () => {
    const services = Object.values(resources).filter((resource) => resource.Type === 'AWS::ECS::Service');
    expect(services).toHaveLength(2);
    for (const svc of services) {
      expect(typeof svc.Properties.TaskDefinition).toBe('string');
      expect(svc.Properties.TaskDefinition).not.toContain(':');
      expect(svc.Properties.ForceNewDeployment).toEqual({
        EnableForceNewDeployment: true,
        ForceNewDeploymentNonce: { Ref: expect.stringMatching(/TaskDefinition/) },
      });
    }
  });

  test('offers itself to a pipeline as a deploy target', () => {
    const target = service.deployTarget!;
    expect(target).toBeDefined();
    expect(target.imageTagParameter).toBe(service.imageTagParameter);
    expect(target.imageRepository).toBe(service.repository);
    expect(target.upgradeTaskDefinition).toBe(service.installTaskDefinition);
    expect(target.containerName).toBe('moodle');
    expect(target.cpuArchitecture).toBe(ecs.CpuArchitecture.ARM64);
  });

  test('a service without it has no parameter and no deploy target', () => {
    const stack2 = testStack();
    const plain = new MoodleService(stack2, 'Service', tiers(stack2).props);
    expect(plain.deployTarget).toBeUndefined();
    Template.fromStack(stack2).resourceCountIs('AWS::SSM::Parameter', 0);
  });

  test('fails with a user-supplied image', () => {
    const stack2 = testStack();
    expect(() => new MoodleService(stack2, 'Service', {
      ...tiers(stack2).props,
      pipelineManagedImage: true,
      image: ecs.ContainerImage.fromRegistry('example/moodle:1'),
    })).toThrow(/pipelineManagedImage builds and rolls out the image from the pipeline's source, but image was given\. Remove image/);
  });
});

describe('MoodlePipeline bound to a real MoodleService', () => {
  const { stack, service } = managedSite();
  new MoodlePipeline(stack, 'Pipeline', { target: service.deployTarget! });
  const template = checkStack(stack, 'service-with-pipeline');

  test('the pipeline writes the service\'s tag parameter and deploys both services', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Action: 'ssm:PutParameter', Resource: Match.anyValue() })]),
      },
    });
    const pipeline = Object.values(template.findResources('AWS::CodePipeline::Pipeline'))[0];
    const deployActions = pipeline.Properties.Stages.flatMap((stage: any) => stage.Actions)
      .filter((action: any) => action.ActionTypeId.Provider === 'ECS');
    expect(deployActions).toHaveLength(2);
  });
});

describe('moodleVersion of a pipeline-managed site', () => {
  test('another release than the pipeline Dockerfile\'s warns that the first pipeline run would build that one', () => {
    const stack = testStack();
    new MoodleService(stack, 'Service', { ...tiers(stack).props, pipelineManagedImage: true, moodleVersion: 'v4.5.15' });
    Annotations.fromStack(stack).hasWarning('/Test/Service', Match.stringLikeRegexp(
      "moodleVersion 'v4\\.5\\.15' builds only the bootstrap image.*Set MOODLE_VERSION 'v4\\.5\\.15' and PHP_VERSION '8\\.3'.*upgrades the site to v5\\.3\\.0"));
    const plain = managedSite();
    expect(Annotations.fromStack(plain.stack).findWarning('*', Match.stringLikeRegexp('bootstrap image'))).toEqual([]);
  });
});

describe('the built image tag', () => {
  test('is the same in two synths of the same app (so a redeploy does not rebuild)', () => {
    const tagOf = () => {
      const stack = testStack();
      return new MoodleService(stack, 'Service', tiers(stack).props).imageTag;
    };
    expect(tagOf()).toMatch(/^v5\.3\.0-arm64-[0-9a-f]{64}$/);
    expect(tagOf()).toBe(tagOf());
  });
});
