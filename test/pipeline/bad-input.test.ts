import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as codecommit from 'aws-cdk-lib/aws-codecommit';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { deployTarget } from './doubles';
import { MoodlePipeline, MoodlePipelineSource } from '../../src';
import { branchProblem } from '../../src/pipeline/moodle-pipeline-source';
import { testStack } from '../util/checks';
import { problemsOf } from '../util/problems';

const CONNECTION_ARN = 'arn:aws:codeconnections:eu-west-1:123456789012:connection/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d';
const connection = { connectionArn: CONNECTION_ARN, owner: 'my-university', repo: 'moodle-image' };

describe('MoodlePipelineSource bad input', () => {
  test.each([
    'arn:aws:codeconnections:eu-west-1:123456789012:connection/not-a-uuid',
    'arn:aws:codecommit:eu-west-1:123456789012:connection/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d',
    'arn:aws:codestar-connections:eu-west-1:12345:connection/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d',
    'arn:aws:codeconnections:eu-west-1:123456789012:host/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d',
    '0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d',
    '',
  ])('connectionArn %p fails', (connectionArn) => {
    expect(() => MoodlePipelineSource.connection({ ...connection, connectionArn })).toThrow(
      /MoodlePipelineSource.connection: connectionArn '.*' is not the ARN of a connection\. Give the ARN shown in the console .*complete its handshake first/,
    );
  });

  test.each([
    'arn:aws:codestar-connections:us-east-1:123456789012:connection/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d',
    'arn:aws-us-gov:codeconnections:us-gov-west-1:123456789012:connection/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d',
  ])('connectionArn %p is accepted', (connectionArn) => {
    expect(() => MoodlePipelineSource.connection({ ...connection, connectionArn })).not.toThrow();
  });

  test('an empty branch fails, for every source with a branch', () => {
    const message = /branch '' is empty, so it is not a valid git branch name\. Give the name of an existing branch, for example 'main'/;
    expect(() => MoodlePipelineSource.connection({ ...connection, branch: '' })).toThrow(message);
    expect(() => MoodlePipelineSource.codeCommit({ branch: '' })).toThrow(message);
  });

  test.each(['feature..x', 'has space', 'main.lock', '/main', 'main/', 'a//b', 'x~1', 'what?', '-main', '.hidden', 'a@{1}', 'ends.'])('branch %p fails', (branch) => {
    expect(branchProblem(branch)).toBeDefined();
    expect(() => MoodlePipelineSource.codeCommit({ branch })).toThrow(/MoodlePipelineSource.codeCommit: branch '.*' .*not a valid git branch name/);
  });

  test.each(['main', 'release/5.1', 'feature/MDL-123_x', 'v5.1.6'])('branch %p is accepted', (branch) => {
    expect(branchProblem(branch)).toBeUndefined();
  });

  test.each([
    ['', 'is 0 characters long'],
    ['m'.repeat(101), 'is 101 characters long'],
    ['my repo', 'contains characters other than'],
    ['moodle/image', 'contains characters other than'],
    ['moodle.git', 'ends in .git'],
    ['Moodle.GIT', 'ends in .git'],
  ])('repositoryName %p fails', (repositoryName, problem) => {
    expect(() => MoodlePipelineSource.codeCommit({ repositoryName })).toThrow(
      new RegExp(`MoodlePipelineSource.codeCommit: repositoryName '.*' ${problem}.*which CodeCommit refuses\\. Use 1 to 100 letters, digits`),
    );
  });

  test('a repository name and an existing repository fail together', () => {
    const stack = testStack();
    const repository = codecommit.Repository.fromRepositoryName(stack, 'Existing', 'existing');
    expect(() => MoodlePipelineSource.codeCommit({ repository, repositoryName: 'new' })).toThrow(/repositoryName names a repository to create, but an existing repository was given\. Remove repositoryName/);
  });

  test('an empty owner or repo fails', () => {
    expect(() => MoodlePipelineSource.connection({ ...connection, owner: ' ' })).toThrow(/connection: owner is empty\. Give the GitHub user or organization/);
    expect(() => MoodlePipelineSource.connection({ ...connection, repo: '' })).toThrow(/connection: repo is empty\. Give the repository name/);
  });
});

describe('MoodlePipeline bad input', () => {
  test('an x86 build image for an ARM64 target fails and names the fix', () => {
    const stack = testStack();
    expect(() => new MoodlePipeline(stack, 'Pipeline', { target: deployTarget(stack), buildImage: codebuild.LinuxBuildImage.STANDARD_7_0 })).toThrow(
      /MoodlePipeline: buildImage 'aws\/codebuild\/standard:7\.0' runs on LINUX_CONTAINER, but target\.cpuArchitecture is ARM64.*Give a build image of type ARM_CONTAINER \(for example codebuild\.LinuxArmBuildImage\.AMAZON_LINUX_2_STANDARD_3_0\), or omit buildImage/,
    );
  });

  test('an ARM build image for an X86_64 target fails', () => {
    const stack = testStack();
    const target = deployTarget(stack, { cpuArchitecture: ecs.CpuArchitecture.X86_64 });
    expect(() => new MoodlePipeline(stack, 'Pipeline', { target, buildImage: codebuild.LinuxArmBuildImage.AMAZON_LINUX_2_STANDARD_3_0 })).toThrow(
      /runs on ARM_CONTAINER, but target\.cpuArchitecture is X86_64.*type LINUX_CONTAINER \(for example codebuild\.LinuxBuildImage\.STANDARD_7_0\)/,
    );
  });

  test('a Lambda build image cannot run Docker', () => {
    const stack = testStack();
    expect(() => new MoodlePipeline(stack, 'Pipeline', { target: deployTarget(stack), buildImage: codebuild.LinuxArmLambdaBuildImage.AMAZON_LINUX_2023_NODE_20 })).toThrow(
      /runs on ARM_LAMBDA_CONTAINER, but target\.cpuArchitecture is ARM64/,
    );
  });

  test('an architecture other than ARM64 or X86_64 fails', () => {
    const stack = testStack();
    const target = deployTarget(stack);
    expect(() => new MoodlePipeline(stack, 'Pipeline', { target: { ...target, node: target.node, cpuArchitecture: ecs.CpuArchitecture.of('RISCV64') } as any })).toThrow(
      /target\.cpuArchitecture 'RISCV64' is not supported.*use ecs\.CpuArchitecture\.ARM64 or ecs\.CpuArchitecture\.X86_64/,
    );
  });

  test('a container name that is not in the task definitions fails at synth', () => {
    const stack = testStack();
    new MoodlePipeline(stack, 'Pipeline', { target: deployTarget(stack, { containerName: 'app' }) });
    expect(() => Template.fromStack(stack)).toThrow(
      /target\.containerName 'moodle' is not a container of target\.webTaskDefinition \(its containers: app\)\. Set containerName to the Moodle container's name/,
    );
  });

  test.each(['../image', '/image', ''])('buildDirectory %p fails', (buildDirectory) => {
    const stack = testStack();
    expect(() => new MoodlePipeline(stack, 'Pipeline', { target: deployTarget(stack), buildDirectory })).toThrow(/buildDirectory '.*' must be a relative path inside the source without '\.\.'/);
  });

  test('timeouts out of range fail', () => {
    const stack = testStack();
    const target = deployTarget(stack);
    expect(() => new MoodlePipeline(stack, 'A', { target, deploymentTimeout: Duration.minutes(90) })).toThrow(/deploymentTimeout is 1 hour 30 minutes, but the ECS deploy action allows 1 to 60 minutes\. Give whole minutes from 1 to 60/);
    expect(() => new MoodlePipeline(stack, 'B', { target, upgradeTimeout: Duration.minutes(2) })).toThrow(/upgradeTimeout is 2 minutes.*from 5 to 480/);
    expect(() => new MoodlePipeline(stack, 'C', { target, buildTimeout: Duration.hours(9) })).toThrow(/buildTimeout is 9 hours/);
  });
});

describe('MoodlePipeline and MoodlePipelineSource report every problem at once', () => {
  test('MoodlePipelineSource.connection with a bad ARN, an empty owner and a bad branch', () => {
    expect(problemsOf(() => MoodlePipelineSource.connection({ connectionArn: 'arn', owner: ' ', repo: 'moodle-image', branch: 'a..b' }))).toEqual([
      expect.stringMatching(/^MoodlePipelineSource.connection: connectionArn 'arn' is not the ARN of a connection/),
      expect.stringMatching(/^MoodlePipelineSource.connection: owner is empty/),
      expect.stringMatching(/^MoodlePipelineSource.connection: branch 'a..b' contains \.\./),
    ]);
  });

  test('MoodlePipelineSource.codeCommit with a repository and a bad repositoryName', () => {
    const stack = testStack();
    const repository = codecommit.Repository.fromRepositoryName(stack, 'Repo', 'moodle-image');
    expect(problemsOf(() => MoodlePipelineSource.codeCommit({ repository, repositoryName: 'x.git' }))).toEqual([
      expect.stringMatching(/^MoodlePipelineSource.codeCommit: repositoryName names a repository to create/),
      expect.stringMatching(/^MoodlePipelineSource.codeCommit: repositoryName 'x.git' ends in .git/),
    ]);
  });

  test('MoodlePipeline with a bad build directory and a bad timeout', () => {
    const stack = testStack();
    expect(problemsOf(() => new MoodlePipeline(stack, 'Pipeline', {
      target: deployTarget(stack), buildDirectory: '../image', deploymentTimeout: Duration.minutes(90),
    }))).toEqual([
      expect.stringMatching(/^MoodlePipeline: buildDirectory '..\/image' must be a relative path/),
      expect.stringMatching(/^MoodlePipeline: deploymentTimeout is 1 hour 30 minutes/),
    ]);
  });
});
