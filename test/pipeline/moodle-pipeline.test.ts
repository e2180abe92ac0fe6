import * as fs from 'fs';
import * as path from 'path';
import { AssetStaging, Duration, FileSystem, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as codecommit from 'aws-cdk-lib/aws-codecommit';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { deployTarget } from './doubles';
import { actionsOf, allStatements, buildSpecOf, granting, logicalIdOf, resourcesOf, stagesOf, statementsOf } from './helpers';
import { MoodlePipeline, MoodlePipelineSource } from '../../src';
import { IMAGE_SOURCE_DIR } from '../../src/contracts/image-contract';
import { checkStack, testStack } from '../util/checks';

const CONNECTION_ARN = 'arn:aws:codeconnections:eu-west-1:123456789012:connection/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d';

function getAtt(template: Template, type: string, prefix: string, attribute = 'Arn') {
  return { 'Fn::GetAtt': [logicalIdOf(template, type, prefix), attribute] };
}

describe('MoodlePipeline defaults', () => {
  const stack = testStack();
  const target = deployTarget(stack);
  const pipeline = new MoodlePipeline(stack, 'Pipeline', { target });
  const template = checkStack(stack, 'pipeline-default');

  test('is a V2 pipeline: Source, Build, then upgrade and deploy in one stage', () => {
    template.hasResourceProperties('AWS::CodePipeline::Pipeline', { PipelineType: 'V2', RestartExecutionOnUpdate: false });
    expect(stagesOf(template).map((stage) => stage.name)).toEqual(['Source', 'Build', 'UpgradeAndDeploy']);
  });

  test('the source is a new CodeCommit repository seeded with the library\'s image source, branch main', () => {
    template.resourceCountIs('AWS::CodeCommit::Repository', 1);
    template.hasResourceProperties('AWS::CodeCommit::Repository', {
      Code: { BranchName: 'main', S3: { Bucket: Match.anyValue(), Key: Match.stringLikeRegexp('\\.zip$') } },
    });
    const [source] = stagesOf(template)[0].actions;
    expect(source.ActionTypeId.Provider).toBe('CodeCommit');
    expect(source.Configuration).toMatchObject({ BranchName: 'main', PollForSourceChanges: false });
    expect(pipeline.sourceRepository).toBeInstanceOf(codecommit.Repository);
    // The push event rule that starts the pipeline.
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ 'source': ['aws.codecommit'], 'detail-type': ['CodeCommit Repository State Change'] }),
    });
  });

  test('the seed is the image source shipped in the package', () => {
    const asset = stack.node.findAll().find((child): child is s3assets.Asset => child instanceof s3assets.Asset && child.node.path.startsWith('Test/Pipeline/Repository'));
    expect(asset).toBeDefined();
    expect(asset!.assetHash).toBe(FileSystem.fingerprint(IMAGE_SOURCE_DIR));
    const staged = (asset!.node.findChild('Stage') as AssetStaging).absoluteStagedPath;
    expect(fs.readdirSync(staged)).toEqual(expect.arrayContaining(['Dockerfile', 'bin', 'conf']));
    expect(fs.readFileSync(path.join(staged, 'Dockerfile'), 'utf8')).toContain('ARG PHP_IMAGE_REPOSITORY=public.ecr.aws/docker/library/php');
    expect(IMAGE_SOURCE_DIR).toBe(path.resolve(__dirname, '..', '..', 'src', 'image'));
  });

  test('builds on an ARM build image, privileged, with the Docker layer cache', () => {
    template.hasResourceProperties('AWS::CodeBuild::Project', {
      Environment: {
        Type: 'ARM_CONTAINER',
        Image: 'aws/codebuild/amazonlinux2-aarch64-standard:3.0',
        ComputeType: 'BUILD_GENERAL1_SMALL',
        PrivilegedMode: true,
      },
      Cache: { Type: 'LOCAL', Modes: ['LOCAL_DOCKER_LAYER_CACHE'] },
      TimeoutInMinutes: 60,
      EncryptionKey: getAtt(template, 'AWS::KMS::Key', 'PipelineKey'),
    });
    const spec = buildSpecOf(template, 'PipelineBuildProject');
    expect(spec.env.variables.DOCKER_PLATFORM).toBe('linux/arm64');
    expect(spec.env.variables.CONTAINER_NAME).toBe('moodle');
    expect(pipeline.dockerPlatform).toBe('linux/arm64');
  });

  test('build and upgrade logs go to one log group kept a year, retained', () => {
    template.resourceCountIs('AWS::Logs::LogGroup', 4); // the pipeline's; the double's task logs and flow logs; the deploy guards'
    template.hasResource('AWS::Logs::LogGroup', { Properties: { RetentionInDays: 365 }, DeletionPolicy: 'RetainExceptOnCreate' });
    const logGroup = { Ref: logicalIdOf(template, 'AWS::Logs::LogGroup', 'PipelineLogs') };
    template.hasResourceProperties('AWS::CodeBuild::Project', {
      Description: Match.stringLikeRegexp('^Builds the Moodle image'),
      LogsConfig: { CloudWatchLogs: { Status: 'ENABLED', GroupName: logGroup, StreamName: 'build' } },
    });
    template.hasResourceProperties('AWS::CodeBuild::Project', {
      Description: Match.stringLikeRegexp('^Runs the one-off Moodle upgrade task'),
      LogsConfig: { CloudWatchLogs: { Status: 'ENABLED', GroupName: logGroup, StreamName: 'upgrade' } },
    });
  });

  test('the build exports the tag for the upgrade step and writes imagedefinitions.json', () => {
    const [build] = stagesOf(template)[1].actions;
    expect(build).toMatchObject({ Name: 'BuildImage', Namespace: 'Build', OutputArtifacts: [{ Name: 'ImageDefinitions' }] });
    const [upgrade, ...deploys] = stagesOf(template)[2].actions;
    expect(upgrade).toMatchObject({ Name: 'Upgrade', RunOrder: 1, ActionTypeId: { Provider: 'CodeBuild' } });
    expect(JSON.parse(upgrade.Configuration.EnvironmentVariables)).toEqual([
      { name: 'IMAGE_TAG', type: 'PLAINTEXT', value: '#{Build.IMAGE_TAG}' },
      { name: 'IMAGE_URI', type: 'PLAINTEXT', value: '#{Build.IMAGE_URI}' },
    ]);
    expect(deploys.map((action) => action.RunOrder)).toEqual([2, 2]);
  });

  test('deploys the web and cron services from imagedefinitions.json after the upgrade', () => {
    const [, web, cron] = stagesOf(template)[2].actions;
    for (const [action, name, prefix] of [[web, 'DeployWeb', 'SiteWebService'], [cron, 'DeployCron', 'SiteCronService']] as const) {
      expect(action).toMatchObject({
        Name: name,
        ActionTypeId: { Category: 'Deploy', Provider: 'ECS' },
        InputArtifacts: [{ Name: 'ImageDefinitions' }],
        Configuration: {
          ClusterName: { Ref: logicalIdOf(template, 'AWS::ECS::Cluster', 'SiteCluster') },
          ServiceName: getAtt(template, 'AWS::ECS::Service', prefix, 'Name'),
          FileName: 'imagedefinitions.json',
          DeploymentTimeout: 60,
        },
        RoleArn: getAtt(template, 'AWS::IAM::Role', 'PipelineDeployRole'),
      });
    }
  });

  test('the artifact bucket is encrypted with the pipeline\'s KMS key, TLS only, private and retained', () => {
    template.hasResource('AWS::S3::Bucket', {
      Properties: {
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{
            ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: getAtt(template, 'AWS::KMS::Key', 'PipelineKey') },
            BucketKeyEnabled: true,
          }],
        },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ ExpirationInDays: 90 })]) },
      },
      DeletionPolicy: 'RetainExceptOnCreate',
    });
    expect(pipeline.artifactsRollbackCleanup).toBeDefined();
    template.hasResourceProperties('Custom::MoodleEmptyBucketOnRollback', { BucketName: { Ref: logicalIdOf(template, 'AWS::S3::Bucket', 'PipelineArtifactBucket') } });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
    template.hasResource('AWS::KMS::Key', { Properties: { EnableKeyRotation: true }, DeletionPolicy: 'RetainExceptOnCreate' });
    template.hasResourceProperties('AWS::CodePipeline::Pipeline', {
      ArtifactStore: { Type: 'S3', Location: { Ref: logicalIdOf(template, 'AWS::S3::Bucket', 'PipelineArtifactBucket') } },
    });
  });

  test('failed executions are sent to a new encrypted SNS topic', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: getAtt(template, 'AWS::KMS::Key', 'PipelineKey') });
    template.hasResourceProperties('AWS::CodeStarNotifications::NotificationRule', {
      EventTypeIds: ['codepipeline-pipeline-pipeline-execution-failed'],
      DetailType: 'FULL',
      Resource: Match.anyValue(),
      Targets: [{ TargetType: 'SNS', TargetAddress: { Ref: logicalIdOf(template, 'AWS::SNS::Topic', 'PipelineNotifications') } }],
    });
    // CodeStar Notifications may publish to the topic and use its key.
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'sns:Publish', Principal: { Service: 'codestar-notifications.amazonaws.com' } })]) },
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Action: ['kms:Decrypt', 'kms:GenerateDataKey*'], Principal: { Service: 'codestar-notifications.amazonaws.com' } })]) },
    });
  });

  test('the pipeline raises no warning for a target that follows the interface', () => {
    const warnings = stack.node.findAll().flatMap((child) => child.node.metadata.filter((entry) => entry.type === 'aws:cdk:warning' && child.node.path.startsWith('Test/Pipeline')));
    expect(warnings).toEqual([]);
  });

  test('matches the snapshot', () => {
    expect(template.toJSON()).toMatchSnapshot();
  });
});

describe('MoodlePipeline least privilege', () => {
  const stack = testStack();
  const target = deployTarget(stack);
  new MoodlePipeline(stack, 'Pipeline', { target });
  const template = checkStack(stack, 'pipeline-least-privilege');
  const repositoryArn = getAtt(template, 'AWS::ECR::Repository', 'SiteImages');
  const build = statementsOf(template, 'PipelineBuildProjectRole');
  const upgrade = statementsOf(template, 'PipelineUpgradeProjectRole');
  const deploy = statementsOf(template, 'PipelineDeployRole');
  const parameterArn = {
    'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ssm:eu-west-1:123456789012:parameter/', { Ref: logicalIdOf(template, 'AWS::SSM::Parameter', 'SiteImageTag') }]],
  };

  test('the build can push only to the target\'s repository', () => {
    for (const action of ['ecr:PutImage', 'ecr:InitiateLayerUpload', 'ecr:UploadLayerPart', 'ecr:CompleteLayerUpload', 'ecr:BatchCheckLayerAvailability', 'ecr:DescribeImages']) {
      const statements = granting(build, action);
      expect(statements.length).toBeGreaterThan(0);
      for (const statement of statements) expect(resourcesOf(statement)).toEqual([repositoryArn]);
    }
    // Only the authorization tokens (ECR, ECR Public and its bearer token), which have no resource-level permissions, are on '*'.
    const onAnyResource = build.filter((statement) => resourcesOf(statement).includes('*'));
    expect(onAnyResource.flatMap(actionsOf)).toEqual(['ecr:GetAuthorizationToken', 'ecr-public:GetAuthorizationToken', 'sts:GetServiceBearerToken']);
  });

  test('nothing else in the stack may push images', () => {
    const pushers = allStatements(template).filter(([, statement]) => actionsOf(statement).some((action) => ['ecr:PutImage', 'ecr:*'].includes(action)));
    expect(pushers.map(([logicalId]) => logicalId)).toEqual([logicalIdOf(template, 'AWS::IAM::Policy', 'PipelineBuildProjectRole')]);
  });

  test('the build reads the running tag, never writes it', () => {
    expect(granting(build, 'ssm:GetParameter').flatMap(resourcesOf)).toEqual([parameterArn]);
    expect(granting(build, 'ssm:PutParameter')).toEqual([]);
  });

  test('the upgrade step runs only the upgrade task family, in the target cluster', () => {
    const [runTask] = granting(upgrade, 'ecs:RunTask');
    expect(actionsOf(runTask)).toEqual(['ecs:RunTask']);
    expect(runTask.Resource).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:ecs:eu-west-1:123456789012:task-definition/${target.upgradeTaskDefinition.family}:*`]],
    });
    expect(runTask.Condition).toEqual({ ArnEquals: { 'ecs:cluster': getAtt(template, 'AWS::ECS::Cluster', 'SiteCluster') } });
  });

  test('the upgrade step passes only the upgrade task\'s roles, and only to ECS tasks', () => {
    const [passRole] = granting(upgrade, 'iam:PassRole');
    expect(passRole.Resource).toEqual([getAtt(template, 'AWS::IAM::Role', 'SiteUpgradeTaskTaskRole'), getAtt(template, 'AWS::IAM::Role', 'SiteUpgradeTaskExecutionRole')]);
    expect(passRole.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } });
    expect(allStatements(template).filter(([, statement]) => actionsOf(statement).includes('iam:PassRole') && resourcesOf(statement).includes('*'))).toEqual([]);
  });

  test('the upgrade step writes only the tag parameter', () => {
    const writers = allStatements(template).filter(([, statement]) => actionsOf(statement).some((action) => action.startsWith('ssm:Put') || action === 'ssm:*'));
    expect(writers.map(([logicalId]) => logicalId)).toEqual([logicalIdOf(template, 'AWS::IAM::Policy', 'PipelineUpgradeProjectRole')]);
    expect(writers.map(([, statement]) => statement.Resource)).toEqual([parameterArn]);
  });

  test('the deploy actions update only the web and cron services and pass only their tasks\' roles', () => {
    const [update] = granting(deploy, 'ecs:UpdateService');
    expect(update.Resource).toEqual([{ Ref: logicalIdOf(template, 'AWS::ECS::Service', 'SiteWebService') }, { Ref: logicalIdOf(template, 'AWS::ECS::Service', 'SiteCronService') }]);
    const [passRole] = granting(deploy, 'iam:PassRole');
    expect(passRole.Resource).toEqual(['SiteWebTaskTaskRole', 'SiteWebTaskExecutionRole', 'SiteCronTaskTaskRole', 'SiteCronTaskExecutionRole']
      .map((prefix) => getAtt(template, 'AWS::IAM::Role', prefix)));
    expect(passRole.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } });
    expect(deploy.filter((statement) => resourcesOf(statement).includes('*')).flatMap(actionsOf)).toEqual(['ecs:DescribeTaskDefinition', 'ecs:RegisterTaskDefinition']);
  });

  test('only the pipeline role may assume the deploy role', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      Description: Match.stringLikeRegexp('^ECS deploy actions'),
      AssumeRolePolicyDocument: { Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { AWS: getAtt(template, 'AWS::IAM::Role', 'PipelineRole') } }] },
    });
  });
});

describe('MoodlePipeline sources', () => {
  test('a GitHub repository through a CodeConnections connection', () => {
    const stack = testStack();
    new MoodlePipeline(stack, 'Pipeline', {
      target: deployTarget(stack),
      source: MoodlePipelineSource.connection({ connectionArn: CONNECTION_ARN, owner: 'my-university', repo: 'moodle-image', branch: 'release/5.1' }),
      buildDirectory: 'image',
    });
    const template = checkStack(stack, 'pipeline-connection');
    template.resourceCountIs('AWS::CodeCommit::Repository', 0);
    const [source] = stagesOf(template)[0].actions;
    expect(source).toMatchObject({
      ActionTypeId: { Owner: 'AWS', Category: 'Source', Provider: 'CodeStarSourceConnection' },
      Configuration: { ConnectionArn: CONNECTION_ARN, FullRepositoryId: 'my-university/moodle-image', BranchName: 'release/5.1', DetectChanges: true },
    });
    const sourceStatements = statementsOf(template, 'PipelineSourceActionRole');
    expect(sourceStatements.filter((statement) => resourcesOf(statement).includes(CONNECTION_ARN)).flatMap(actionsOf).sort())
      .toEqual(['codeconnections:UseConnection', 'codestar-connections:UseConnection']);
    expect(buildSpecOf(template, 'PipelineBuildProject').env.variables.BUILD_DIRECTORY).toBe('image');
  });

  test('a zip in a versioned S3 bucket', () => {
    const stack = testStack();
    const bucket = new s3.Bucket(stack, 'SourceBucket', { versioned: true, enforceSSL: true });
    Validations.of(bucket).acknowledge({ id: 'AwsSolutions-S1', reason: 'Test fixture: the user\'s own source bucket.' });
    new MoodlePipeline(stack, 'Pipeline', { target: deployTarget(stack), source: MoodlePipelineSource.s3({ bucket, key: 'moodle/image.zip' }) });
    const template = checkStack(stack, 'pipeline-s3');
    const [source] = stagesOf(template)[0].actions;
    expect(source).toMatchObject({
      ActionTypeId: { Provider: 'S3' },
      Configuration: { S3Bucket: { Ref: logicalIdOf(template, 'AWS::S3::Bucket', 'SourceBucket') }, S3ObjectKey: 'moodle/image.zip', PollForSourceChanges: true },
    });
  });

  test('an existing CodeCommit repository and branch', () => {
    const stack = testStack();
    const repository = codecommit.Repository.fromRepositoryName(stack, 'Existing', 'our-moodle-image');
    const pipeline = new MoodlePipeline(stack, 'Pipeline', { target: deployTarget(stack), source: MoodlePipelineSource.codeCommit({ repository, branch: 'production' }) });
    const template = checkStack(stack, 'pipeline-codecommit-existing');
    template.resourceCountIs('AWS::CodeCommit::Repository', 0);
    expect(stagesOf(template)[0].actions[0].Configuration).toMatchObject({ RepositoryName: 'our-moodle-image', BranchName: 'production' });
    expect(pipeline.sourceRepository).toBe(repository);
  });

  test('a created CodeCommit repository with a given name', () => {
    const stack = testStack();
    new MoodlePipeline(stack, 'Pipeline', { target: deployTarget(stack), source: MoodlePipelineSource.codeCommit({ repositoryName: 'moodle-image.v5', branch: 'stable' }) });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::CodeCommit::Repository', { RepositoryName: 'moodle-image.v5', Code: { BranchName: 'stable' } });
  });
});

describe('MoodlePipeline props', () => {
  test('an X86_64 target builds on an x86 image for linux/amd64', () => {
    const stack = testStack();
    const pipeline = new MoodlePipeline(stack, 'Pipeline', { target: deployTarget(stack, { cpuArchitecture: ecs.CpuArchitecture.X86_64 }) });
    const template = checkStack(stack, 'pipeline-x86');
    template.hasResourceProperties('AWS::CodeBuild::Project', {
      Environment: { Type: 'LINUX_CONTAINER', Image: 'aws/codebuild/standard:7.0', PrivilegedMode: true },
    });
    expect(buildSpecOf(template, 'PipelineBuildProject').env.variables.DOCKER_PLATFORM).toBe('linux/amd64');
    expect(pipeline.buildImage).toBe(codebuild.LinuxBuildImage.STANDARD_7_0);
  });

  test('a target in public subnets without NAT: the upgrade task gets a public IP', () => {
    const stack = testStack();
    const target = deployTarget(stack, { cpuArchitecture: ecs.CpuArchitecture.X86_64, publicTasks: true });
    expect(target.assignPublicIp).toBe(true);
    new MoodlePipeline(stack, 'Pipeline', { target });
    const template = checkStack(stack, 'pipeline-public-tasks');
    const commands: string[] = buildSpecOf(template, 'PipelineUpgradeProject').phases.build.commands;
    expect(commands.join('\n')).toContain('securityGroups=[$SECURITY_GROUP_IDS],assignPublicIp=ENABLED}');
    expect(commands.join('\n')).not.toContain('assignPublicIp=DISABLED');
  });

  test('a target with private subnets: the upgrade task gets no public IP', () => {
    const stack = testStack();
    const target = deployTarget(stack, { cpuArchitecture: ecs.CpuArchitecture.X86_64 });
    expect(target.assignPublicIp).toBe(false);
    new MoodlePipeline(stack, 'Pipeline', { target });
    const template = checkStack(stack, 'pipeline-private-tasks');
    expect(buildSpecOf(template, 'PipelineUpgradeProject').phases.build.commands.join('\n')).toContain('assignPublicIp=DISABLED}');
  });

  test('a newer build image of the right architecture', () => {
    const stack = testStack();
    new MoodlePipeline(stack, 'Pipeline', {
      target: deployTarget(stack),
      buildImage: codebuild.LinuxArmBuildImage.AMAZON_LINUX_2023_STANDARD_3_0,
      buildComputeType: codebuild.ComputeType.MEDIUM,
      buildTimeout: Duration.minutes(30),
    });
    Template.fromStack(stack).hasResourceProperties('AWS::CodeBuild::Project', {
      Environment: { Type: 'ARM_CONTAINER', Image: 'aws/codebuild/amazonlinux-aarch64-standard:3.0', ComputeType: 'BUILD_GENERAL1_MEDIUM' },
      TimeoutInMinutes: 30,
    });
  });

  test('manual approval, a given topic, removal, timeouts and a Docker Hub login', () => {
    const stack = testStack();
    const topic = new sns.Topic(stack, 'OpsTopic', { enforceSSL: true });
    Validations.of(topic).acknowledge({ id: 'AwsSolutions-SNS2', reason: 'Test fixture: the user\'s own topic.' });
    const dockerHubSecret = new secretsmanager.Secret(stack, 'DockerHub');
    Validations.of(dockerHubSecret).acknowledge({ id: 'AwsSolutions-SMG4', reason: 'Test fixture: a Docker Hub token is rotated at Docker Hub, not by a Lambda.' });
    new MoodlePipeline(stack, 'Pipeline', {
      target: deployTarget(stack),
      manualApproval: true,
      notificationTopic: topic,
      removalPolicy: RemovalPolicy.DESTROY,
      upgradeTimeout: Duration.minutes(120),
      deploymentTimeout: Duration.minutes(30),
      logRetention: 30,
      pipelineName: 'moodle-image',
      dockerHubSecret,
    });
    const template = checkStack(stack, 'pipeline-options');
    expect(stagesOf(template).map((stage) => stage.name)).toEqual(['Source', 'Build', 'Approve', 'UpgradeAndDeploy']);
    const [approve] = stagesOf(template)[2].actions;
    expect(approve).toMatchObject({ ActionTypeId: { Category: 'Approval', Provider: 'Manual' }, Configuration: { NotificationArn: { Ref: logicalIdOf(template, 'AWS::SNS::Topic', 'OpsTopic') } } });
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.hasResourceProperties('AWS::CodeStarNotifications::NotificationRule', { Targets: [{ TargetType: 'SNS', TargetAddress: { Ref: logicalIdOf(template, 'AWS::SNS::Topic', 'OpsTopic') } }] });
    template.hasResourceProperties('AWS::CodePipeline::Pipeline', { Name: 'moodle-image' });
    template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Delete' });
    template.hasResourceProperties('Custom::S3AutoDeleteObjects', { BucketName: { Ref: logicalIdOf(template, 'AWS::S3::Bucket', 'PipelineArtifactBucket') } });
    template.hasResource('AWS::CodeCommit::Repository', { DeletionPolicy: 'Delete' });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    template.hasResourceProperties('AWS::CodeBuild::Project', { Description: Match.stringLikeRegexp('^Runs the one-off'), TimeoutInMinutes: 135 });
    expect(buildSpecOf(template, 'PipelineUpgradeProject').env.variables.UPGRADE_TIMEOUT_SECONDS).toBe('7200');
    expect(stagesOf(template)[3].actions[1].Configuration.DeploymentTimeout).toBe(30);
    const spec = buildSpecOf(template, 'PipelineBuildProject');
    expect(Object.keys(spec.env['secrets-manager'])).toEqual(['DOCKERHUB_USERNAME', 'DOCKERHUB_PASSWORD']);
    expect(spec.phases.pre_build.commands.join('\n')).toContain('docker login --username "$DOCKERHUB_USERNAME" --password-stdin');
    expect(granting(statementsOf(template, 'PipelineBuildProjectRole'), 'secretsmanager:GetSecretValue').flatMap(resourcesOf))
      .toEqual([{ Ref: logicalIdOf(template, 'AWS::SecretsManager::Secret', 'DockerHub') }]);
  });
});

describe('MoodlePipeline warnings about the target', () => {
  function warningsFor(options: Parameters<typeof deployTarget>[1]): string[] {
    const stack = testStack();
    new MoodlePipeline(stack, 'Pipeline', { target: deployTarget(stack, options) });
    Template.fromStack(stack);
    return stack.node.findChild('Pipeline').node.metadata.filter((entry) => entry.type === 'aws:cdk:warning').map((entry) => String(entry.data));
  }

  test('a service pinned to CloudFormation\'s revision', () => {
    expect(warningsFor({ pinnedRevision: true })).toEqual([expect.stringMatching(/target.webService is pinned.*TaskDefinitionRevision.LATEST/)]);
  });

  test('a literal image tag', () => {
    const warnings = warningsFor({ literalImageTag: true });
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/target.webTaskDefinition does not read its tag from target.imageTagParameter.*MoodleImageTag.containerImage/);
  });

  test('services without rollback', () => {
    expect(warningsFor({ noRollback: true })).toEqual([
      expect.stringMatching(/target.webService has no deployment circuit breaker with rollback/),
      expect.stringMatching(/target.cronService has no deployment circuit breaker/),
    ]);
  });
});
