import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { imageBuildSpec, upgradeBuildSpec } from '../../src/pipeline/buildspecs';

const options = {
  repositoryUri: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/moodle',
  repositoryName: 'moodle',
  tagParameterName: '/moodle/image-tag',
  containerName: 'moodle',
  platform: 'linux/arm64',
  buildDirectory: '.',
};

/** Runs buildspec commands in bash, one after the other like CodeBuild, and returns the last one's output. */
function run(commands: string[], env: Record<string, string>, cwd: string): string {
  return execFileSync('bash', ['--noprofile', '--norc', '-c', commands.join('\n')], { env: { PATH: process.env.PATH, ...env }, cwd, encoding: 'utf8' });
}

function commandsOf(spec: any): string[] {
  return Object.values(spec.phases).flatMap((phase: any) => phase.commands as string[]);
}

function indexOfCommand(commands: string[], pattern: RegExp): number {
  const index = commands.findIndex((command) => pattern.test(command));
  if (index < 0) throw new Error(`no command matches ${pattern}`);
  return index;
}

describe('image buildspec', () => {
  const spec = imageBuildSpec(options) as any;
  const commands = commandsOf(spec);

  test('logs in to the repository\'s registry, builds for the platform, pushes, then writes imagedefinitions.json', () => {
    const login = indexOfCommand(commands, /aws ecr get-login-password --region "\$AWS_REGION" \| docker login --username AWS --password-stdin "\$\{REPOSITORY_URI%%\/\*\}"/);
    const build = indexOfCommand(commands, /docker build --platform "\$DOCKER_PLATFORM" .*--tag "\$IMAGE_URI" "\$BUILD_DIRECTORY"/);
    const push = indexOfCommand(commands, /docker push "\$IMAGE_URI"/);
    const definitions = indexOfCommand(commands, /> imagedefinitions.json$/);
    expect(login).toBeLessThan(build);
    expect(build).toBeLessThan(push);
    expect(push).toBeLessThan(definitions);
    expect(spec.env.variables).toMatchObject({
      REPOSITORY_URI: options.repositoryUri,
      DOCKER_PLATFORM: 'linux/arm64',
      CONTAINER_NAME: 'moodle',
      IMAGE_TAG_PARAMETER: '/moodle/image-tag',
    });
    expect(spec.artifacts).toEqual({ files: ['imagedefinitions.json'] });
    expect(spec.env['exported-variables']).toEqual(['IMAGE_TAG', 'IMAGE_URI', 'BASE_IMAGE']);
    expect(spec.phases.pre_build['on-failure']).toBe('ABORT');
    expect(spec.phases.build['on-failure']).toBe('ABORT');
  });

  test('the shipped image source builds through its own script (base images pinned and recorded); another Dockerfile as it is', () => {
    const scripted = indexOfCommand(commands, /-f "\$BUILD_DIRECTORY\/build\/docker-build\.sh" \]; then CACHE_FROM=.* bash "\$BUILD_DIRECTORY\/build\/docker-build\.sh" "\$IMAGE_URI" "\$BUILD_DIRECTORY" && set -a && \. \/tmp\/moodle-image-build\.env && set \+a; fi$/);
    const plain = indexOfCommand(commands, /! -f "\$BUILD_DIRECTORY\/build\/docker-build\.sh" \]; then docker build/);
    expect(scripted).toBeLessThan(plain);
    expect(indexOfCommand(commands, /^BASE_IMAGE="not recorded/)).toBeLessThan(scripted);
  });

  test('the platform follows the target', () => {
    expect((imageBuildSpec({ ...options, platform: 'linux/amd64' }) as any).env.variables.DOCKER_PLATFORM).toBe('linux/amd64');
  });

  test('tags the image with the commit id; other source versions become valid Docker tags', () => {
    const tagCommand = commands.filter((command) => command.startsWith('IMAGE_TAG=')).concat('printf %s "$IMAGE_TAG"');
    const dir = os.tmpdir();
    expect(run(tagCommand, { CODEBUILD_RESOLVED_SOURCE_VERSION: '3f2a9c0d1e4b5a6c7d8e9f00112233445566778899' }, dir)).toBe('3f2a9c0d1e4b5a6c7d8e9f00112233445566778899');
    expect(run(tagCommand, { CODEBUILD_RESOLVED_SOURCE_VERSION: 'Xy+z/w=' }, dir)).toBe('Xy-z-w-');
  });

  test('pushes each tag once (immutable tags) and reuses the running image as cache', () => {
    expect(commands.filter((command) => command.includes('docker build') || command.includes('docker push')).every((command) => command.startsWith('if [ "$IMAGE_PUSHED" = no ]'))).toBe(true);
    expect(commands.join('\n')).toContain('aws ecr describe-images --repository-name "$REPOSITORY_NAME" --image-ids imageTag="$IMAGE_TAG"');
    expect(commands.join('\n')).toContain('--cache-from "$REPOSITORY_URI:$RUNNING_TAG"');
    expect(commands.join('\n')).toContain('aws ssm get-parameter --name "$IMAGE_TAG_PARAMETER"');
  });

  test('imagedefinitions.json names the target\'s container and the pushed image', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'imagedefinitions-'));
    const [write] = commands.filter((command) => command.endsWith('> imagedefinitions.json'));
    run([write], { CONTAINER_NAME: spec.env.variables.CONTAINER_NAME, IMAGE_URI: `${options.repositoryUri}:abc123` }, dir);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'imagedefinitions.json'), 'utf8'))).toEqual([
      { name: 'moodle', imageUri: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/moodle:abc123' },
    ]);
  });

  test('logs in to Docker Hub only with a secret', () => {
    expect(commands.join('\n')).not.toContain('DOCKERHUB');
    const withSecret = imageBuildSpec({ ...options, dockerHubSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:dockerhub' }) as any;
    expect(withSecret.env['secrets-manager']).toEqual({
      DOCKERHUB_USERNAME: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:dockerhub:username',
      DOCKERHUB_PASSWORD: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:dockerhub:password',
    });
    const hubLogin = indexOfCommand(commandsOf(withSecret), /docker login --username "\$DOCKERHUB_USERNAME"/);
    expect(hubLogin).toBeLessThan(indexOfCommand(commandsOf(withSecret), /docker build/));
  });
});

describe('upgrade buildspec', () => {
  const spec = upgradeBuildSpec({
    cluster: 'arn:aws:ecs:eu-west-1:123456789012:cluster/moodle',
    upgradeTaskDefinitionArn: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/moodle-upgrade:3',
    containerName: 'moodle',
    subnetIds: 'subnet-1,subnet-2',
    securityGroupIds: 'sg-1',
    tagParameterName: '/moodle/image-tag',
    timeoutSeconds: 3600,
    pollSeconds: 15,
  }) as any;
  const commands = commandsOf(spec);

  test('registers a revision with the new image, runs it, waits, checks the exit code, and only then writes the tag', () => {
    const register = indexOfCommand(commands, /aws ecs register-task-definition --cli-input-json file:\/\/upgrade-task-definition.json/);
    const runTask = indexOfCommand(commands, /aws ecs run-task --cluster "\$CLUSTER" --task-definition "\$UPGRADE_REVISION" --launch-type FARGATE/);
    const wait = indexOfCommand(commands, /aws ecs wait tasks-stopped --cluster "\$CLUSTER" --tasks "\$TASK_ARN"/);
    const exitCode = indexOfCommand(commands, /^EXIT_CODE=.*containers\[\?name=='\$CONTAINER_NAME'\]\.exitCode/);
    const check = indexOfCommand(commands, /^if \[ "\$EXIT_CODE" != 0 \]; then .* exit 1; fi$/);
    const write = indexOfCommand(commands, /^aws ssm put-parameter --name "\$IMAGE_TAG_PARAMETER" --value "\$IMAGE_TAG" --overwrite$/);
    expect([register, runTask, wait, exitCode, check, write]).toEqual([...[register, runTask, wait, exitCode, check, write]].sort((a, b) => a - b));
    expect(write).toBe(commands.length - 2);
    expect(spec.phases.build['on-failure']).toBe('ABORT');
    expect(spec.env.variables).toMatchObject({ CONTAINER_NAME: 'moodle', SUBNET_IDS: 'subnet-1,subnet-2', SECURITY_GROUP_IDS: 'sg-1', UPGRADE_TIMEOUT_SECONDS: '3600' });
  });

  test('the tag is written by no other command', () => {
    expect(commands.filter((command) => command.includes('put-parameter'))).toHaveLength(1);
  });

  test('the task runs in the target\'s subnets and security groups, without a public IP', () => {
    expect(commands.join('\n')).toContain('awsvpcConfiguration={subnets=[$SUBNET_IDS],securityGroups=[$SECURITY_GROUP_IDS],assignPublicIp=DISABLED}');
  });

  test('with assignPublicIp, the task gets a public IP (public subnets without NAT)', () => {
    const publicSpec = upgradeBuildSpec({
      cluster: 'moodle',
      upgradeTaskDefinitionArn: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/moodle-upgrade:3',
      containerName: 'moodle',
      subnetIds: 'subnet-1',
      securityGroupIds: 'sg-1',
      tagParameterName: '/moodle/image-tag',
      timeoutSeconds: 3600,
      pollSeconds: 15,
      assignPublicIp: true,
    }) as any;
    const joined = commandsOf(publicSpec).join('\n');
    expect(joined).toContain('--network-configuration "awsvpcConfiguration={subnets=[$SUBNET_IDS],securityGroups=[$SECURITY_GROUP_IDS],assignPublicIp=ENABLED}" --query');
    expect(joined).not.toContain('assignPublicIp=DISABLED');
  });

  test('the new revision changes only the Moodle container\'s image', () => {
    const current = {
      taskDefinitionArn: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/moodle-upgrade:3',
      family: 'moodle-upgrade',
      revision: 3,
      status: 'ACTIVE',
      taskRoleArn: 'arn:aws:iam::123456789012:role/task',
      executionRoleArn: 'arn:aws:iam::123456789012:role/execution',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      compatibilities: ['EC2', 'FARGATE'],
      cpu: '512',
      memory: '1024',
      runtimePlatform: { cpuArchitecture: 'ARM64', operatingSystemFamily: 'LINUX' },
      volumes: [{ name: 'moodledata', efsVolumeConfiguration: { fileSystemId: 'fs-1', transitEncryption: 'ENABLED' } }],
      containerDefinitions: [
        { name: 'moodle', image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/moodle:old', environment: [{ name: 'MOODLE_ROLE', value: 'install-or-upgrade' }] },
        { name: 'sidecar', image: 'public.ecr.aws/sidecar:1' },
      ],
      registeredAt: '2026-11-01T00:00:00Z',
      registeredBy: 'arn:aws:sts::123456789012:assumed-role/cfn',
      requiresAttributes: [{ name: 'ecs.capability.efsAuth' }],
    };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'upgrade-'));
    fs.writeFileSync(path.join(dir, 'current-task-definition.json'), JSON.stringify(current));
    const rewrite = commands.filter((command) => command.startsWith('jq '));
    expect(rewrite).toHaveLength(2);
    run(rewrite, { CONTAINER_NAME: 'moodle', IMAGE_URI: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/moodle:new' }, dir);
    const registered = JSON.parse(fs.readFileSync(path.join(dir, 'upgrade-task-definition.json'), 'utf8'));
    expect(registered).toEqual({
      family: 'moodle-upgrade',
      taskRoleArn: current.taskRoleArn,
      executionRoleArn: current.executionRoleArn,
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '512',
      memory: '1024',
      runtimePlatform: current.runtimePlatform,
      volumes: current.volumes,
      containerDefinitions: [
        { ...current.containerDefinitions[0], image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/moodle:new' },
        current.containerDefinitions[1],
      ],
    });
  });

  test('a task definition without the container fails before anything is registered', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'upgrade-'));
    fs.writeFileSync(path.join(dir, 'current-task-definition.json'), JSON.stringify({ family: 'f', containerDefinitions: [{ name: 'other', image: 'x' }] }));
    const [check] = commands.filter((command) => command.startsWith('jq -e'));
    expect(() => execFileSync('bash', ['--noprofile', '--norc', '-c', check], { env: { PATH: process.env.PATH, CONTAINER_NAME: 'moodle', UPGRADE_TASK_DEFINITION: 'td' }, cwd: dir, stdio: 'pipe' }))
      .toThrow(/No container moodle in td/);
  });
});
