import { Annotations, Duration, Stack } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Construct } from 'constructs';
import { IMoodleDeployTarget } from '../contracts/deploy-target';
import { fail, isLiteral, Validator } from '../private/validation';

export function dockerPlatformOf(architecture: ecs.CpuArchitecture): string {
  const name = architecture._cpuArchitecture;
  if (!isLiteral(name)) {
    fail('MoodlePipeline', 'target.cpuArchitecture is only known at deploy time; the pipeline must know it at synth to choose the build image. Give ecs.CpuArchitecture.ARM64 or ecs.CpuArchitecture.X86_64.');
  }
  switch (name) {
    case 'ARM64': return 'linux/arm64';
    case 'X86_64': return 'linux/amd64';
    default:
      fail('MoodlePipeline', `target.cpuArchitecture '${name}' is not supported. The Moodle image is built for ARM64 or X86_64 Fargate tasks: use ecs.CpuArchitecture.ARM64 or ecs.CpuArchitecture.X86_64.`);
  }
}

const BUILD_IMAGE_TYPES: Record<string, { type: string; example: string; name: string }> = {
  'linux/arm64': { type: 'ARM_CONTAINER', example: 'codebuild.LinuxArmBuildImage.AMAZON_LINUX_2_STANDARD_3_0', name: 'ARM64' },
  'linux/amd64': { type: 'LINUX_CONTAINER', example: 'codebuild.LinuxBuildImage.STANDARD_7_0', name: 'X86_64' },
};

export function validateBuildImage(validator: Validator, buildImage: codebuild.IBuildImage, platform: string, given: boolean): void {
  const expected = BUILD_IMAGE_TYPES[platform];
  validator.check(given && buildImage.type !== expected.type,
    `buildImage '${buildImage.imageId}' runs on ${buildImage.type}, but target.cpuArchitecture is ${expected.name}: the image would be built for another architecture than the tasks run on. `
    + `Give a build image of type ${expected.type} (for example ${expected.example}), or omit buildImage to get one that matches the target.`,
  );
}

export function validateBuildDirectory(validator: Validator, directory: string): void {
  validator.check(isLiteral(directory) && (directory.length === 0 || directory.startsWith('/') || directory.split('/').includes('..')),
    `buildDirectory '${directory}' must be a relative path inside the source without '..'. Give the directory holding the Dockerfile, for example 'image', or '.' (the default) for the root.`,
  );
}

export function validateContainerName(validator: Validator, name: string): void {
  validator.check(isLiteral(name) && !/^[A-Za-z0-9_-]{1,255}$/.test(name),
    `target.containerName '${name}' is not a valid ECS container name. Give the name of the Moodle container (1 to 255 letters, digits, '-' or '_').`,
  );
}

export function validateMinutes(validator: Validator, prop: string, duration: Duration, min: number, max: number, why: string): void {
  const minutes = duration.toMinutes({ integral: false });
  validator.check(isLiteral(minutes) && (!Number.isInteger(minutes) || minutes < min || minutes > max),
    () => `${prop} is ${duration.toHumanString()}, but ${why}. Give whole minutes from ${min} to ${max}.`,
  );
}

/**
 * Errors (a container name the task definitions lack) and warnings (an image not read from the tag parameter,
 * no rollback, a pinned revision) about a deploy target, when the pipeline is validated.
 */
export function validateDeployTarget(scope: Construct, target: IMoodleDeployTarget): string[] {
  const errors: string[] = [];
  const definitions: Array<[string, ecs.ITaskDefinition]> = [
    ['webTaskDefinition', target.webTaskDefinition],
    ['cronTaskDefinition', target.cronTaskDefinition],
    ['upgradeTaskDefinition', target.upgradeTaskDefinition],
  ];
  const parameterName = JSON.stringify(Stack.of(scope).resolve(target.imageTagParameter.parameterName));
  for (const [prop, definition] of definitions) {
    if (!(definition instanceof ecs.TaskDefinition)) continue;
    const container = definition.findContainer(target.containerName);
    if (!container) {
      const names = definition.node.children
        .filter((child): child is ecs.ContainerDefinition => child instanceof ecs.ContainerDefinition)
        .map((child) => child.containerName);
      errors.push(
        `MoodlePipeline: target.containerName '${target.containerName}' is not a container of target.${prop} (its containers: ${names.join(', ') || 'none'}). `
        + 'Set containerName to the Moodle container\'s name, the same in the web, cron and upgrade task definitions.',
      );
      continue;
    }
    const image = JSON.stringify(Stack.of(scope).resolve(container.imageName));
    if (!(image.includes('{{resolve:ssm:') && image.includes(parameterName.replace(/^"|"$/g, ''))) && prop !== 'upgradeTaskDefinition') {
      Annotations.of(scope).addWarningV2('moodle-on-fargate:pipeline-image-not-from-tag-parameter',
        `The image of container '${target.containerName}' in target.${prop} does not read its tag from target.imageTagParameter: a later cdk deploy will put an older image back. Use MoodleImageTag.containerImage(imageRepository, imageTagParameter).`);
    }
  }
  for (const [prop, service] of [['webService', target.webService], ['cronService', target.cronService]] as const) {
    const cfn = service.node.defaultChild;
    if (!(cfn instanceof ecs.CfnService)) continue;
    const configuration = Stack.of(scope).resolve(cfn.deploymentConfiguration) ?? {};
    if (configuration.DeploymentCircuitBreaker?.Rollback !== true && configuration.deploymentCircuitBreaker?.rollback !== true) {
      Annotations.of(scope).addWarningV2('moodle-on-fargate:pipeline-no-rollback',
        `target.${prop} has no deployment circuit breaker with rollback: a deploy of a broken image would not roll back. Set circuitBreaker: { enable: true, rollback: true } on the service.`);
    }
    if (typeof Stack.of(scope).resolve(cfn.taskDefinition) !== 'string') {
      Annotations.of(scope).addWarningV2('moodle-on-fargate:pipeline-pinned-revision',
        `target.${prop} is pinned to the task definition revision CloudFormation registered: a later CloudFormation update of the service would point it back at that revision and its older image. Set taskDefinitionRevision: ecs.TaskDefinitionRevision.LATEST on the service.`);
    }
  }
  return errors;
}
