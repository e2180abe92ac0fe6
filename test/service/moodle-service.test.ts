import * as fs from 'fs';
import * as path from 'path';
import { Duration, Size, Stack, TimeZone } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { CacheDouble, DataDouble, EdgeDouble, EdgeStub, TierOptions, tiers, withFields } from './doubles';
import { MoodleData } from '../../src/data';
import { MoodleNetwork, NatLayout } from '../../src/network';
import { MoodleService, MoodleServiceProps } from '../../src/service';
import { checkStack, testStack } from '../util/checks';
import { problemsOf } from '../util/problems';

type Resources = Record<string, { Type: string; Properties: Record<string, any>; DependsOn?: string[] }>;

function logicalIdOf(template: Template, type: string, pathPart: string): string {
  const [id] = Object.keys(template.findResources(type)).filter((candidate) => candidate.includes(pathPart));
  if (!id) throw new Error(`no ${type} with ${pathPart} in its logical ID`);
  return id;
}

function containerOf(template: Template, pathPart: string) {
  const id = logicalIdOf(template, 'AWS::ECS::TaskDefinition', pathPart);
  return (template.toJSON().Resources as Resources)[id].Properties.ContainerDefinitions[0];
}

function environmentOf(container: any): Record<string, string> {
  return Object.fromEntries(container.Environment.map((entry: any) => [entry.Name, entry.Value]));
}

function build(overrides: Partial<MoodleServiceProps> = {}, options: TierOptions = {}) {
  const stack = testStack();
  const { props, edge, data, cache } = tiers(stack, options);
  const service = new MoodleService(stack, 'Service', { ...props, ...overrides });
  return { stack, service, edge, data, cache };
}

describe('MoodleService defaults', () => {
  const { stack, service } = build();
  const template = checkStack(stack, 'service-default');
  const resources = template.toJSON().Resources as Resources;
  const web = containerOf(template, 'WebTaskDefinition');
  const cron = containerOf(template, 'CronTaskDefinition');
  const install = containerOf(template, 'InstallTaskDefinition');
  const webServiceId = logicalIdOf(template, 'AWS::ECS::Service', 'WebService');
  const cronServiceId = logicalIdOf(template, 'AWS::ECS::Service', 'CronService');
  const installId = logicalIdOf(template, 'Custom::MoodleInstallOrUpgrade', 'InstallOrUpgrade');

  test('cluster with Container Insights enhanced and the Fargate capacity providers', () => {
    template.hasResourceProperties('AWS::ECS::Cluster', {
      ClusterSettings: [{ Name: 'containerInsights', Value: 'enhanced' }],
    });
    template.hasResourceProperties('AWS::ECS::ClusterCapacityProviderAssociations', {
      CapacityProviders: ['FARGATE', 'FARGATE_SPOT'],
    });
  });

  test('web service: on-demand base of 1, the rest on Fargate Spot, in the application subnets', () => {
    template.hasResourceProperties('AWS::ECS::Service', {
      TaskDefinition: { Ref: Match.stringLikeRegexp('WebTaskDefinition') },
      CapacityProviderStrategy: [
        { CapacityProvider: 'FARGATE', Base: 1, Weight: 0 },
        { CapacityProvider: 'FARGATE_SPOT', Weight: 1 },
      ],
      NetworkConfiguration: {
        AwsvpcConfiguration: {
          AssignPublicIp: 'DISABLED',
          Subnets: [{ Ref: Match.stringLikeRegexp('ApplicationSubnet1') }, { Ref: Match.stringLikeRegexp('ApplicationSubnet2') }],
        },
      },
      PlatformVersion: 'LATEST',
      EnableExecuteCommand: false,
    });
    expect(resources[webServiceId].Properties.LaunchType).toBeUndefined();
  });

  test('web service deploys rolling 100/200 with circuit breaker rollback and a 2-minute grace', () => {
    template.hasResourceProperties('AWS::ECS::Service', {
      TaskDefinition: { Ref: Match.stringLikeRegexp('WebTaskDefinition') },
      DeploymentConfiguration: {
        MinimumHealthyPercent: 100,
        MaximumPercent: 200,
        DeploymentCircuitBreaker: { Enable: true, Rollback: true },
      },
      DeploymentController: { Type: 'ECS' },
      HealthCheckGracePeriodSeconds: 120,
    });
  });

  test('web service registers in the edge target group on port 8080; autoscaling owns its count', () => {
    template.hasResourceProperties('AWS::ECS::Service', {
      LoadBalancers: [{ ContainerName: 'moodle', ContainerPort: 8080, TargetGroupArn: { Ref: Match.stringLikeRegexp('EdgeTargetGroup') } }],
    });
    expect(resources[webServiceId].Properties.DesiredCount).toBeUndefined();
  });

  test('web task: 1 vCPU, 2 GiB, ARM64, port 8080, graceful stop longer than Apache needs', () => {
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Cpu: '1024',
      Memory: '2048',
      RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
      RequiresCompatibilities: ['FARGATE'],
      NetworkMode: 'awsvpc',
    });
    expect(web.PortMappings).toEqual([{ ContainerPort: 8080, Name: 'http', Protocol: 'tcp' }]);
    expect(web.StopTimeout).toBe(75);
  });

  test('every container: read-only root file system, www-data stated, memory limit, no capability, a health check', () => {
    const writable = { 'moodle-runtime': '/run/moodle', 'moodle-local-cache': '/var/cache/moodle-local', 'tmp': '/tmp', 'apache-run': '/var/run/apache2', 'apache-lock': '/var/lock/apache2' };
    for (const definition of Object.values(template.findResources('AWS::ECS::TaskDefinition'))) {
      const [container] = definition.Properties.ContainerDefinitions;
      expect({
        readonly: container.ReadonlyRootFilesystem,
        user: container.User,
        memory: container.Memory,
        capabilities: container.LinuxParameters.Capabilities,
      }).toEqual({ readonly: true, user: '33:33', memory: Number(definition.Properties.Memory), capabilities: { Drop: ['ALL'] } });
      expect(container.HealthCheck.Command[0]).toBe('CMD-SHELL');
      // Each writable path a task-local volume (no host, no EFS), mounted where the image declares its VOLUME.
      const localVolumes = definition.Properties.Volumes.filter((volume: any) => Object.keys(volume).length === 1).map((volume: any) => volume.Name);
      expect(localVolumes.sort()).toEqual(Object.keys(writable).sort());
      const mounts = Object.fromEntries(container.MountPoints.map((mount: any) => [mount.SourceVolume, mount.ContainerPath]));
      expect(mounts).toEqual({ ...writable, moodledata: '/mnt/moodledata' });
    }
    const dockerfile = fs.readFileSync(path.join(__dirname, '..', '..', 'src', 'image', 'Dockerfile'), 'utf8');
    const volumes = JSON.parse(/^VOLUME (\[.*\])$/m.exec(dockerfile)![1]);
    expect(volumes.sort()).toEqual(Object.values(writable).sort());
    expect(web.HealthCheck.Command[1]).toContain('http://127.0.0.1:8080/healthz.php');
    expect(cron.HealthCheck.Command[1]).toContain('/run/moodle/cron-heartbeat -mmin -5');
  });

  test('web task configuration: role, wwwroot, database, Redis with TLS, Apache workers sized to memory', () => {
    expect(environmentOf(web)).toEqual({
      MOODLE_ROLE: 'web',
      MOODLE_WWWROOT: 'https://moodle.example.edu',
      MOODLE_DB_TYPE: 'mysqli',
      MOODLE_DB_HOST: 'moodle.cluster-abcdefghijkl.eu-west-1.rds.amazonaws.com',
      MOODLE_DB_PORT: '3306',
      MOODLE_DB_NAME: 'moodle',
      MOODLE_REDIS_HOST: 'master.moodle-cache.abcdef.euw1.cache.amazonaws.com',
      MOODLE_REDIS_PORT: '6379',
      MOODLE_REDIS_TLS: 'true',
      MOODLE_DATAROOT: '/mnt/moodledata',
      // The edge double's origin response timeout is the default 60 s: the session lock, and Apache's graceful stop plus 5 s.
      MOODLE_REDIS_LOCK_EXPIRE: '60',
      MOODLE_REDIS_LOCK_TIMEOUT: '60',
      // One keep-alive run (10 minutes) and 5 minutes for the pass that ends it.
      MOODLE_CRON_EXPECTED_FREQUENCY: '900',
      APACHE_MAX_REQUEST_WORKERS: '24',
      APACHE_GRACEFUL_SHUTDOWN_TIMEOUT: '65',
    });
  });

  test('secrets are ECS secrets, never environment variables', () => {
    const secretNames = (container: any) => container.Secrets.map((secret: any) => secret.Name).sort();
    expect(secretNames(web)).toEqual(['MOODLE_DB_PASSWORD', 'MOODLE_DB_USER', 'MOODLE_REDIS_AUTH']);
    expect(secretNames(cron)).toEqual(['MOODLE_DB_PASSWORD', 'MOODLE_DB_USER', 'MOODLE_REDIS_AUTH']);
    expect(secretNames(install)).toEqual([
      'MOODLE_ADMIN_PASSWORD', 'MOODLE_DB_ADMIN_PASSWORD', 'MOODLE_DB_ADMIN_USER', 'MOODLE_DB_PASSWORD', 'MOODLE_DB_USER', 'MOODLE_REDIS_AUTH',
    ]);
    expect(web.Secrets.find((secret: any) => secret.Name === 'MOODLE_DB_PASSWORD').ValueFrom).toEqual({
      'Fn::Join': ['', [{ Ref: expect.stringMatching(/^DataDatabaseSecret/) }, ':password::']],
    });
    for (const container of [web, cron, install]) {
      const names = Object.keys(environmentOf(container));
      expect(names.filter((name) => /PASSWORD|AUTH|SECRET/.test(name))).toEqual([]);
    }
  });

  test('only the install task gets the database master credentials, to create Moodle\'s own database user', () => {
    const valueFrom = (name: string) => install.Secrets.find((secret: any) => secret.Name === name).ValueFrom;
    expect(valueFrom('MOODLE_DB_ADMIN_USER')).toEqual({ 'Fn::Join': ['', [{ Ref: expect.stringMatching(/^DataDatabaseAdminSecret/) }, ':username::']] });
    expect(valueFrom('MOODLE_DB_ADMIN_PASSWORD')).toEqual({ 'Fn::Join': ['', [{ Ref: expect.stringMatching(/^DataDatabaseAdminSecret/) }, ':password::']] });
    expect(JSON.stringify([web, cron])).not.toContain('DataDatabaseAdminSecret');
  });

  test('replaces the web and cron tasks when the database secret\'s current value changes (rotation)', () => {
    const ruleId = logicalIdOf(template, 'AWS::Events::Rule', 'RestartOnDatabaseSecretChange');
    const rule = resources[ruleId] as any;
    expect(rule.Properties.EventPattern).toEqual({
      'source': ['aws.secretsmanager'],
      'detail-type': ['Secret Label Updated'],
      'resources': [{ Ref: expect.stringMatching(/^DataDatabaseSecret/) }],
      'detail': { labelUpdated: ['AWSCURRENT'] },
    });
    const target = rule.Properties.Targets[0];
    expect(target.Arn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/RestartOnDatabaseSecretChangeFunction/), 'Arn'] });
    expect(stack.resolve(service.databaseSecretChangeRule.ruleArn)).toEqual({ 'Fn::GetAtt': [ruleId, 'Arn'] });
    // The input with each reference written as <logical ID>.
    const input = target.Input['Fn::Join'][1].map((part: any) => typeof part === 'string' ? part : `<${part.Ref ?? part['Fn::GetAtt'][0]}>`).join('');
    expect(JSON.parse(input)).toEqual({
      cluster: `<${logicalIdOf(template, 'AWS::ECS::Cluster', 'Cluster')}>`,
      services: [`<${webServiceId}>`, `<${cronServiceId}>`],
    });
    const functionId = logicalIdOf(template, 'AWS::Lambda::Function', 'RestartOnDatabaseSecretChangeFunction');
    expect((resources[functionId] as any).Properties.Handler).toBe('index.restartServices');
  });

  test('the restart function may only force deployments of the two services', () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((policy) => JSON.stringify(policy.Properties.Roles).includes('RestartOnDatabaseSecretChangeFunctionRole'));
    expect(policies).toHaveLength(1);
    const statements = policies[0].Properties.PolicyDocument.Statement;
    const ecsStatements = statements.filter((statement: any) => JSON.stringify(statement.Action).includes('ecs:'));
    expect(ecsStatements).toEqual([{
      Action: 'ecs:UpdateService',
      Effect: 'Allow',
      Resource: [{ Ref: webServiceId }, { Ref: cronServiceId }],
    }]);
  });

  test('the admin password is generated in Secrets Manager with the admin user name', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectLike({
        SecretStringTemplate: '{"username":"admin"}',
        GenerateStringKey: 'password',
        PasswordLength: 24,
        RequireEachIncludedType: true,
      }),
    });
    expect(install.Secrets.find((secret: any) => secret.Name === 'MOODLE_ADMIN_PASSWORD').ValueFrom).toEqual({
      'Fn::Join': ['', [{ Ref: expect.stringMatching(/^ServiceAdminSecret/) }, ':password::']],
    });
    expect(service.adminSecret).toBeDefined();
  });

  test('moodledata: EFS through the access point, TLS and IAM authorization, at the image dataroot', () => {
    const volumes = Object.values(template.findResources('AWS::ECS::TaskDefinition')).map((definition) => definition.Properties.Volumes);
    // web, cron, install/upgrade and export.
    expect(volumes).toHaveLength(4);
    for (const volume of volumes) {
      expect(volume.filter((v: any) => v.EFSVolumeConfiguration)).toEqual([{
        Name: 'moodledata',
        EFSVolumeConfiguration: {
          FilesystemId: { Ref: expect.stringMatching(/^DataFileSystem/) },
          TransitEncryption: 'ENABLED',
          AuthorizationConfig: { AccessPointId: { Ref: expect.stringMatching(/^DataFileSystemAccessPoint/) }, IAM: 'ENABLED' },
        },
      }]);
    }
    for (const container of [web, cron, install]) {
      expect(container.MountPoints.filter((mount: any) => mount.SourceVolume === 'moodledata'))
        .toEqual([{ ContainerPath: '/mnt/moodledata', ReadOnly: false, SourceVolume: 'moodledata' }]);
    }
  });

  test('task role: EFS mount and write on that file system through that access point, nothing else', () => {
    const roleId = logicalIdOf(template, 'AWS::IAM::Role', 'ServiceTaskRole');
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((policy) =>
      JSON.stringify(policy.Properties.Roles) === JSON.stringify([{ Ref: roleId }]));
    expect(policies).toHaveLength(1);
    expect(policies[0].Properties.PolicyDocument.Statement).toEqual([{
      Action: ['elasticfilesystem:ClientMount', 'elasticfilesystem:ClientWrite'],
      Effect: 'Allow',
      Resource: { 'Fn::GetAtt': [expect.stringMatching(/^DataFileSystem/), 'Arn'] },
      Condition: { StringEquals: { 'elasticfilesystem:AccessPointArn': expect.anything() } },
    }]);
    // The export task has a role of its own (site-transfer.test.ts).
    const roles = Object.values(template.findResources('AWS::ECS::TaskDefinition')).map((definition) => [
      definition.Properties.ContainerDefinitions[0].Environment.find((e: any) => e.Name === 'MOODLE_ROLE').Value,
      definition.Properties.TaskRoleArn['Fn::GetAtt'][0] === roleId,
    ]);
    expect(Object.fromEntries(roles)).toEqual({ 'web': true, 'cron': true, 'install-or-upgrade': true, 'export-site': false });
  });

  test('logs: one log group kept a year, a stream prefix per role', () => {
    const logGroupId = logicalIdOf(template, 'AWS::Logs::LogGroup', 'ServiceLogs');
    expect(resources[logGroupId].Properties.RetentionInDays).toBe(365);
    expect([web, cron, install].map((container) => container.LogConfiguration.Options['awslogs-stream-prefix'])).toEqual(
      ['web', 'cron', 'install-or-upgrade'],
    );
    for (const container of [web, cron, install]) {
      expect(container.LogConfiguration.LogDriver).toBe('awslogs');
      expect(container.LogConfiguration.Options['awslogs-group']).toEqual({ Ref: logGroupId });
    }
  });

  test('cron: its own one-task service on on-demand Fargate, no load balancer, never two at once', () => {
    expect(environmentOf(cron).MOODLE_ROLE).toBe('cron');
    expect(cron.PortMappings).toBeUndefined();
    expect(cron.StopTimeout).toBe(120);
    const cronService = resources[cronServiceId].Properties;
    expect(cronService.DesiredCount).toBe(1);
    expect(cronService.LoadBalancers).toBeUndefined();
    expect(cronService.CapacityProviderStrategy).toEqual([{ CapacityProvider: 'FARGATE', Base: 1, Weight: 1 }]);
    expect(cronService.DeploymentConfiguration).toMatchObject({
      MinimumHealthyPercent: 0,
      MaximumPercent: 100,
      DeploymentCircuitBreaker: { Enable: true, Rollback: true },
    });
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [Match.objectLike({ LogConfiguration: Match.objectLike({ Options: Match.objectLike({ 'awslogs-stream-prefix': 'cron' }) }) })],
      Cpu: '512',
      Memory: '1024',
    });
  });

  test('install/upgrade task: same image and configuration, its own role, admin and site settings', () => {
    expect(install.Image).toEqual(web.Image);
    expect(cron.Image).toEqual(web.Image);
    const { MOODLE_ROLE: installRole, ...installEnvironment } = environmentOf(install);
    const {
      MOODLE_ROLE: webRole, APACHE_MAX_REQUEST_WORKERS: workers, APACHE_GRACEFUL_SHUTDOWN_TIMEOUT: graceful, ...webEnvironment
    } = environmentOf(web);
    expect([installRole, webRole, workers, graceful]).toEqual(['install-or-upgrade', 'web', '24', '65']);
    expect(installEnvironment).toEqual({
      ...webEnvironment,
      MOODLE_ADMIN_USER: 'admin',
      MOODLE_ADMIN_EMAIL: 'moodle-admin@example.edu',
      MOODLE_SITE_FULLNAME: 'Moodle',
      MOODLE_SITE_SHORTNAME: 'moodle',
    });
    expect(install.PortMappings).toBeUndefined();
  });

  test('install/upgrade runs in a custom resource that names the task, its subnets and its log', () => {
    template.hasResourceProperties('Custom::MoodleInstallOrUpgrade', {
      Step: 'InstallOrUpgrade',
      Cluster: { 'Fn::GetAtt': [Match.stringLikeRegexp('ServiceCluster'), 'Arn'] },
      TaskDefinitionArn: { Ref: Match.stringLikeRegexp('InstallTaskDefinition') },
      Image: Match.anyValue(),
      MoodleVersion: 'v5.3.0',
      Subnets: [{ Ref: Match.stringLikeRegexp('ApplicationSubnet1') }, { Ref: Match.stringLikeRegexp('ApplicationSubnet2') }],
      SecurityGroups: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('ServiceTaskSecurityGroup'), 'GroupId'] }],
      ContainerName: 'moodle',
      LogGroupName: { Ref: Match.stringLikeRegexp('ServiceLogs') },
      LogStreamPrefix: 'install-or-upgrade',
      AssignPublicIp: Match.absent(),
    });
    // A new image tag is a new Image property (and a new task definition revision): the task runs again.
    expect(JSON.stringify(resources[installId].Properties.Image)).toContain(`:${service.imageTag}`);
  });

  test('web and cron roll only after install/upgrade, which waits for the image build', () => {
    expect(resources[webServiceId].DependsOn).toEqual(expect.arrayContaining([installId]));
    expect(resources[cronServiceId].DependsOn).toEqual(expect.arrayContaining([installId]));
    const buildId = logicalIdOf(template, 'Custom::MoodleImageBuild', 'ImageBuild');
    expect(resources[installId].DependsOn).toEqual(expect.arrayContaining([buildId]));
    const associationId = logicalIdOf(template, 'AWS::ECS::ClusterCapacityProviderAssociations', 'CapacityProviders');
    for (const id of [webServiceId, cronServiceId, installId]) {
      expect(resources[id].DependsOn).toEqual(expect.arrayContaining([associationId]));
    }
  });

  test('the completion check: Provider with isComplete every 30 s, handlers on the latest Node.js', () => {
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
    template.hasResourceProperties('AWS::Lambda::Function', { Handler: 'index.onEvent', Runtime: 'nodejs24.x' });
    template.hasResourceProperties('AWS::Lambda::Function', { Handler: 'index.isComplete', Runtime: 'nodejs24.x' });
    const definition = JSON.stringify(Object.values(template.findResources('AWS::StepFunctions::StateMachine'))[0].Properties.DefinitionString);
    expect(definition).toContain('\\"IntervalSeconds\\":30');
    // Up to an hour for the image build and the install/upgrade task (120 attempts, 30 s apart).
    expect(definition).toContain('\\"MaxAttempts\\":120');
  });

  test('deploy-step handlers may run exactly the install task and pass exactly its roles', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'ecs:RunTask',
            Resource: { Ref: Match.stringLikeRegexp('InstallTaskDefinition') },
            Condition: { ArnEquals: { 'ecs:cluster': { 'Fn::GetAtt': [Match.stringLikeRegexp('ServiceCluster'), 'Arn'] } } },
          }),
          Match.objectLike({ Action: 'iam:PassRole', Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } } }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 'codebuild:StartBuild', Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('ImageBuildProject'), 'Arn'] } }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 'ecs:DescribeTasks', Resource: '*', Condition: { ArnEquals: { 'ecs:cluster': Match.anyValue() } } }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'codebuild:BatchGetBuilds' })]) },
    });
  });

  test('image: ECR repository with scan on push, immutable tags and a lifecycle rule', () => {
    template.hasResourceProperties('AWS::ECR::Repository', {
      ImageScanningConfiguration: { ScanOnPush: true },
      ImageTagMutability: 'IMMUTABLE',
      LifecyclePolicy: { LifecyclePolicyText: Match.stringLikeRegexp('"countNumber":20') },
    });
    expect(service.repository).toBeDefined();
  });

  test('image: built by a privileged ARM CodeBuild project from the zipped image source, no Docker at synth', () => {
    template.hasResourceProperties('AWS::CodeBuild::Project', {
      Environment: Match.objectLike({ Type: 'ARM_CONTAINER', PrivilegedMode: true, Image: 'aws/codebuild/amazonlinux-aarch64-standard:3.0' }),
      Source: Match.objectLike({ Type: 'S3', Location: Match.anyValue() }),
    });
    const project = Object.values(template.findResources('AWS::CodeBuild::Project'))[0].Properties;
    const variables = Object.fromEntries(project.Environment.EnvironmentVariables.map((variable: any) => [variable.Name, variable.Value]));
    expect(variables.MOODLE_VERSION).toBe('v5.3.0');
    expect(variables.BASE_IMAGE_DIGEST).toBeUndefined();
    expect(variables.IMAGE_TAG).toBe(service.imageTag);
    // The image source's own build script: PHP version from the release table, base images pinned and recorded.
    expect(project.Source.BuildSpec).toContain('bash build/docker-build.sh \\"$REPOSITORY_URI:$IMAGE_TAG\\" .');
    expect(project.Source.BuildSpec).toContain('describe-images');
    expect(JSON.parse(project.Source.BuildSpec).env['exported-variables']).toEqual(['BASE_IMAGE', 'COMPOSER_BASE_IMAGE', 'MOODLE_COMMIT']);
    // The tag is the Moodle version, the architecture and a hash of the image source and build spec.
    expect(service.imageTag).toMatch(/^v5\.3\.0-arm64-[0-9a-f]{64}$/);
    template.hasResourceProperties('Custom::MoodleImageBuild', { Step: 'ImageBuild', ImageTag: service.imageTag, MoodleVersion: 'v5.3.0' });
    expect(stack.resolve(service.baseImageReference)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^ServiceImageBuild/), 'BaseImage'] });
  });

  test('image build role: the source object, the repository, its own logs (no CodeBuild default wildcards)', () => {
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((policy) => JSON.stringify(policy.Properties.Roles).includes('ImageBuildProjectRole'))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
    const actions = statements.flatMap((statement) => [statement.Action].flat());
    expect(actions).toEqual(expect.arrayContaining(['s3:GetObject', 'ecr:PutImage', 'ecr:GetAuthorizationToken', 'logs:PutLogEvents']));
    // The buildspec's "is this tag already in ECR" step (aws ecr describe-images), on the repository only.
    expect(statements).toEqual(expect.arrayContaining([expect.objectContaining({
      Action: 'ecr:DescribeImages', Resource: { 'Fn::GetAtt': [expect.stringMatching(/ImageBuildRepository/), 'Arn'] },
    })]));
    expect(JSON.stringify(statements)).not.toContain('report-group');
    expect(actions.filter((action) => action.endsWith('*'))).toEqual([]);
    // Authenticated pulls from Amazon ECR Public (composer), limited per account instead of per address.
    expect(statements).toEqual(expect.arrayContaining([expect.objectContaining({
      Action: ['ecr-public:GetAuthorizationToken', 'sts:GetServiceBearerToken'], Resource: '*',
    })]));
    const buildSpec = Object.values(template.findResources('AWS::CodeBuild::Project'))[0].Properties.Source.BuildSpec;
    expect(buildSpec).toContain('aws ecr-public get-login-password --region us-east-1 | docker login --username AWS --password-stdin public.ecr.aws');
    expect(buildSpec).not.toMatch(/docker login[^"]*--password-stdin"/); // no Docker Hub login without dockerHubSecret
  });

  test('security groups: tasks reach database, cache and EFS; the load balancer reaches the tasks', () => {
    const taskGroup = { 'Fn::GetAtt': [Match.stringLikeRegexp('ServiceTaskSecurityGroup'), 'GroupId'] };
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 3306,
      ToPort: 3306,
      SourceSecurityGroupId: taskGroup,
      GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('DataDatabaseSecurityGroup'), 'GroupId'] },
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 6379,
      ToPort: 6379,
      SourceSecurityGroupId: taskGroup,
      GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('CacheSecurityGroup'), 'GroupId'] },
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 2049,
      ToPort: 2049,
      SourceSecurityGroupId: taskGroup,
      GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('DataFileSystemEfsSecurityGroup'), 'GroupId'] },
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 8080,
      ToPort: 8080,
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('EdgeLoadBalancerSecurityGroup'), 'GroupId'] },
      GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('ServiceTaskSecurityGroup'), 'GroupId'] },
    });
  });

  test('autoscaling: 2 to 10 tasks, target tracking on CPU 60% and 600 ALB requests per task', () => {
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: 2,
      MaxCapacity: 10,
      ScalableDimension: 'ecs:service:DesiredCount',
    });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({
        PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' },
        TargetValue: 60,
      }),
    });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({
        PredefinedMetricSpecification: { PredefinedMetricType: 'ALBRequestCountPerTarget', ResourceLabel: Match.anyValue() },
        TargetValue: 600,
      }),
    });
    template.resourceCountIs('AWS::ApplicationAutoScaling::ScalableTarget', 1);
  });

  test('tells the data tier which step creates Moodle\'s database user, and hands the pipeline a construct', () => {
    const managedStack = testStack();
    const { props, data } = tiers(managedStack);
    const managed = new MoodleService(managedStack, 'Service', { ...props, pipelineManagedImage: true });
    expect(data.databaseUserSteps).toEqual([managed.installOrUpgrade]);
    expect(managed.deployTarget!.node.path).toBe('Test/Service/DeployTarget');
    expect(managed.deployTarget!.webService).toBe(managed.webService);
  });

  test('exposes what it created', () => {
    expect(service.webService).toBeDefined();
    expect(service.cronService).toBeDefined();
    expect(service.installOrUpgrade).toBeDefined();
    expect(service.imageBuildProject).toBeDefined();
    expect(service.connections.securityGroups).toEqual([service.securityGroup]);
    expect(service.cpuArchitecture).toBe(ecs.CpuArchitecture.ARM64);
  });

  test('matches the snapshot', () => {
    expect(template.toJSON()).toMatchSnapshot();
  });
});

describe('MoodleService props', () => {
  test('without master credentials (an existing database), the install task gets none', () => {
    const { stack } = build({}, { databaseAdminSecret: false });
    const template = checkStack(stack, 'service-no-admin-secret');
    const names = containerOf(template, 'InstallTaskDefinition').Secrets.map((secret: any) => secret.Name);
    expect(names).toContain('MOODLE_DB_PASSWORD');
    expect(names.filter((name: string) => name.startsWith('MOODLE_DB_ADMIN'))).toEqual([]);
  });

  test('a database secret rotated from another stack: a warning, and no dependency cycle between the stacks', () => {
    const dataStack = testStack();
    const network = new MoodleNetwork(dataStack, 'Network');
    const data = new MoodleData(dataStack, 'Data', { network, secretRotation: Duration.days(30) });
    const stack = new Stack(dataStack.node.scope as Construct, 'Site', { env: { account: dataStack.account, region: dataStack.region } });
    const cache = new CacheDouble(stack, 'Cache', network);
    const edge = new EdgeDouble(stack, 'Edge', network);
    new MoodleService(stack, 'Service', { network, data, cache, edge, adminEmail: 'moodle-admin@example.edu' });
    Template.fromStack(stack);
    Template.fromStack(dataStack);
    expect(Annotations.fromStack(dataStack).findWarning('*', Match.stringLikeRegexp('rotates from another stack'))).toHaveLength(1);
    expect(dataStack.dependencies).toEqual([]);
  });

  test('a database secret imported by name is matched by its ARN prefix', () => {
    const stack = testStack();
    const { props } = tiers(stack);
    const secret = secretsmanager.Secret.fromSecretNameV2(stack, 'Imported', 'moodle/db');
    new MoodleService(stack, 'Service', { ...props, data: withFields(props.data, { databaseSecret: secret }) });
    const rule = Object.values(Template.fromStack(stack).findResources('AWS::Events::Rule'))
      .find((candidate) => candidate.Properties.EventPattern?.['detail-type']?.[0] === 'Secret Label Updated')!;
    expect(JSON.stringify(rule.Properties.EventPattern.resources[0])).toContain(':secret:moodle/db-');
    expect(Object.keys(rule.Properties.EventPattern.resources[0])).toEqual(['prefix']);
  });

  test('X86_64: x86 task definitions and an x86 image build, the same Spot share as ARM64', () => {
    const { stack, service } = build({ cpuArchitecture: ecs.CpuArchitecture.X86_64 });
    const template = checkStack(stack, 'service-x86');
    template.hasResourceProperties('AWS::ECS::Service', {
      TaskDefinition: { Ref: Match.stringLikeRegexp('WebTaskDefinition') },
      CapacityProviderStrategy: [{ CapacityProvider: 'FARGATE', Base: 1, Weight: 0 }, { CapacityProvider: 'FARGATE_SPOT', Weight: 1 }],
    });
    for (const definition of Object.values(template.findResources('AWS::ECS::TaskDefinition'))) {
      expect(definition.Properties.RuntimePlatform.CpuArchitecture).toBe('X86_64');
    }
    template.hasResourceProperties('AWS::CodeBuild::Project', {
      Environment: Match.objectLike({ Type: 'LINUX_CONTAINER', PrivilegedMode: true }),
    });
    expect(service.imageTag).toMatch(/^v5\.3\.0-x86_64-[0-9a-f]{64}$/);
  });

  test('ARM64 web and cron tasks run on Fargate Spot when asked (ECS: Linux ARM64 on platform 1.4.0+)', () => {
    const { stack } = build({ cpuArchitecture: ecs.CpuArchitecture.ARM64, onDemandWeight: 1, spotWeight: 2, cronSpot: true });
    const template = checkStack(stack, 'service-arm64-spot');
    const services = Object.entries(template.findResources('AWS::ECS::Service'));
    const strategyOf = (name: string) => services.find(([id]) => id.includes(name))![1].Properties.CapacityProviderStrategy;
    expect(strategyOf('WebService')).toEqual([{ CapacityProvider: 'FARGATE', Base: 1, Weight: 1 }, { CapacityProvider: 'FARGATE_SPOT', Weight: 2 }]);
    expect(strategyOf('CronService')).toEqual([{ CapacityProvider: 'FARGATE_SPOT', Base: 1, Weight: 1 }]);
    for (const [, ecsService] of services) expect(ecsService.Properties.PlatformVersion ?? 'LATEST').toMatch(/^(LATEST|1\.4\.0)$/);
  });

  test('a given image replaces the build', () => {
    const { stack, service } = build({ image: ecs.ContainerImage.fromRegistry('registry.example.edu/moodle:5.1.6') });
    const template = checkStack(stack, 'service-given-image');
    template.resourceCountIs('AWS::ECR::Repository', 0);
    template.resourceCountIs('AWS::CodeBuild::Project', 0);
    template.resourceCountIs('Custom::MoodleImageBuild', 0);
    template.hasResourceProperties('Custom::MoodleInstallOrUpgrade', { Image: 'registry.example.edu/moodle:5.1.6', MoodleVersion: 'custom image' });
    expect(service.repository).toBeUndefined();
    expect(service.imageTag).toBeUndefined();
  });

  test.each(['v4.5.15', 'v5.0.11', 'v5.1.8', 'v5.2.4', 'v5.3.0'])('moodleVersion %s (every release of the table) is the build argument and part of the tag', (tag) => {
    const { stack, service } = build({ moodleVersion: tag });
    const template = Template.fromStack(stack);
    expect(service.imageTag).toMatch(new RegExp(`^${tag.replace(/\./g, '\\.')}-arm64-`));
    template.hasResourceProperties('AWS::CodeBuild::Project', {
      Environment: Match.objectLike({ EnvironmentVariables: Match.arrayWith([{ Name: 'MOODLE_VERSION', Type: 'PLAINTEXT', Value: tag }]) }),
    });
  });

  test('a release past its security support synthesizes with a warning naming the date and the LTS to move to', () => {
    const { stack } = build({ moodleVersion: 'v5.0.11' });
    Annotations.fromStack(stack).hasWarning('/Test/Service', Match.stringLikeRegexp(
      "moodleVersion 'v5\\.0\\.11': Moodle 5\\.0's security support ended on 2026-10-05.*Move to Moodle 5\\.3 LTS \\(moodleVersion 'v5\\.3\\.0'"));
    const current = build({ moodleVersion: 'v5.3.0' });
    expect(Annotations.fromStack(current.stack).findWarning('*', Match.stringLikeRegexp('security support ended'))).toEqual([]);
  });

  test('baseImageDigest pins the base image: a build variable, and a new image tag', () => {
    const digest = `sha256:${'ab'.repeat(32)}`;
    const pinned = build({ baseImageDigest: digest });
    Template.fromStack(pinned.stack).hasResourceProperties('AWS::CodeBuild::Project', {
      Environment: Match.objectLike({ EnvironmentVariables: Match.arrayWith([{ Name: 'BASE_IMAGE_DIGEST', Type: 'PLAINTEXT', Value: digest }]) }),
    });
    expect(pinned.service.imageTag).not.toBe(build().service.imageTag);
  });

  test('the database engine is checked against the release: MySQL 8.0 runs Moodle 4.5 LTS, not 5.x', () => {
    const withDatabase = (fields: Record<string, string>, overrides: Partial<MoodleServiceProps> = {}) => {
      const stack = testStack();
      const { props, data } = tiers(stack);
      return () => new MoodleService(stack, 'Service', { ...props, data: withFields(data, fields), ...overrides });
    };
    expect(withDatabase({ databaseServerVersion: '8.0.40' })).toThrow(
      /moodleVersion 'v5\.3\.0' \(Moodle 5\.3\) needs MySQL 8\.4 or later \(its admin\/environment\.xml\), but the data tier's database \(data\.database\) is MySQL 8\.0\.40\. Give data\.database MySQL 8\.4.*or set moodleVersion to a release that runs on it \('v4\.5\.15'\)/);
    expect(withDatabase({ databaseServerVersion: '8.0.40' }, { moodleVersion: 'v4.5.15' })).not.toThrow();
    expect(withDatabase({ databaseServerVersion: '8.4.8' })).not.toThrow();
    expect(withDatabase({ moodleDbType: 'auroramysql', databaseServerVersion: '8.0' })).not.toThrow();
    expect(withDatabase({ moodleDbType: 'auroramysql', databaseServerVersion: '5.7' })).toThrow(
      /needs Aurora MySQL compatible with MySQL 8\.0 or later.*is Aurora MySQL compatible with MySQL 5\.7\. Give data\.database a newer Aurora MySQL version/);
  });

  test('Docker Hub credentials for the build come from Secrets Manager', () => {
    const stack = testStack();
    const { props } = tiers(stack);
    const dockerHubSecret = secretsmanager.Secret.fromSecretCompleteArn(stack, 'DockerHub',
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:dockerhub-AbCdEf');
    new MoodleService(stack, 'Service', { ...props, dockerHubSecret });
    const template = checkStack(stack, 'service-dockerhub');
    template.hasResourceProperties('AWS::CodeBuild::Project', {
      Environment: Match.objectLike({
        EnvironmentVariables: Match.arrayWith([
          { Name: 'DOCKERHUB_USERNAME', Type: 'SECRETS_MANAGER', Value: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:dockerhub-AbCdEf:username' },
        ]),
      }),
      Source: Match.objectLike({ BuildSpec: Match.stringLikeRegexp('DOCKERHUB_PASSWORD.*docker login --username') }),
    });
  });

  test('sizes, capacity, scaling targets, grace, retention and ECS Exec', () => {
    const { stack } = build({
      cpu: 2048,
      memory: Size.gibibytes(4),
      cronCpu: 256,
      cronMemory: Size.mebibytes(512),
      onDemandBase: 2,
      onDemandWeight: 1,
      spotWeight: 3,
      minCapacity: 3,
      maxCapacity: 20,
      targetCpuUtilizationPercent: 50,
      targetRequestsPerTask: 300,
      healthCheckGracePeriod: Duration.minutes(5),
      logRetention: logs.RetentionDays.ONE_YEAR,
      enableExecuteCommand: true,
      adminUser: 'moodleadmin',
      siteFullName: 'Example University',
      siteShortName: 'exu',
    });
    const template = checkStack(stack, 'service-custom');
    template.hasResourceProperties('AWS::ECS::Service', {
      CapacityProviderStrategy: [
        { CapacityProvider: 'FARGATE', Base: 2, Weight: 1 },
        { CapacityProvider: 'FARGATE_SPOT', Weight: 3 },
      ],
      HealthCheckGracePeriodSeconds: 300,
      EnableExecuteCommand: true,
    });
    template.hasResourceProperties('AWS::ECS::Service', { DesiredCount: 1, EnableExecuteCommand: true });
    // ECS Exec's agent writes to the root file system: with it, the root file system is writable.
    for (const definition of Object.values(template.findResources('AWS::ECS::TaskDefinition'))) {
      expect(definition.Properties.ContainerDefinitions[0].ReadonlyRootFilesystem).toBe(false);
    }
    template.hasResourceProperties('AWS::ECS::TaskDefinition', { Cpu: '2048', Memory: '4096' });
    template.hasResourceProperties('AWS::ECS::TaskDefinition', { Cpu: '256', Memory: '512' });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 3, MaxCapacity: 20 });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({ TargetValue: 50 }),
    });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({ TargetValue: 300 }),
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectLike({ SecretStringTemplate: '{"username":"moodleadmin"}' }),
    });
    const install = containerOf(template, 'InstallTaskDefinition');
    expect(environmentOf(install)).toMatchObject({ MOODLE_ADMIN_USER: 'moodleadmin', MOODLE_SITE_FULLNAME: 'Example University', MOODLE_SITE_SHORTNAME: 'exu' });
    expect(environmentOf(containerOf(template, 'WebTaskDefinition')).APACHE_MAX_REQUEST_WORKERS).toBe('56');
    // ECS Exec: the SSM messages channels on the task role.
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: Match.arrayWith(['ssmmessages:CreateControlChannel']) })]) },
      Roles: [{ Ref: Match.stringLikeRegexp('ServiceTaskRole') }],
    });
  });

  test('behind proxies that append to X-Forwarded-For, the tasks learn how many (MOODLE_PROXY_HOPS)', () => {
    const stack = testStack();
    const { props } = tiers(stack);
    new MoodleService(stack, 'Service', { ...props, edge: new EdgeStub(stack, 'Proxied', props.edge.siteUrl, props.edge.targetGroup, 2) });
    const template = checkStack(stack, 'service-behind-proxies');
    for (const id of ['WebTaskDefinition', 'CronTaskDefinition', 'InstallTaskDefinition']) {
      expect(environmentOf(containerOf(template, id))).toMatchObject({ MOODLE_PROXY_HOPS: '2' });
    }
  });

  test.each([[-1], [1.5], [6]])('forwardingProxies %p is rejected with the range', (proxies) => {
    const stack = testStack();
    const { props } = tiers(stack);
    expect(() => new MoodleService(stack, 'Service', { ...props, edge: new EdgeStub(stack, 'Proxied', props.edge.siteUrl, props.edge.targetGroup, proxies) }))
      .toThrow(/edge\.forwardingProxies is .*from 0 to 5/);
  });

  test('a cache without AUTH and without TLS', () => {
    const stack = testStack();
    const { props, network } = tiers(stack, { cacheAuth: false });
    const cache = withFields(props.cache, { transitEncryption: false, authSecret: undefined, endpointAddress: 'cache.internal', port: 6380 });
    new MoodleService(stack, 'Service', { ...props, cache });
    const template = checkStack(stack, 'service-plain-cache');
    const web = containerOf(template, 'WebTaskDefinition');
    expect(environmentOf(web)).toMatchObject({ MOODLE_REDIS_TLS: 'false', MOODLE_REDIS_PORT: '6380', MOODLE_REDIS_HOST: 'cache.internal' });
    expect(web.Secrets.map((secret: any) => secret.Name)).not.toContain('MOODLE_REDIS_AUTH');
    expect(network).toBeDefined();
  });

  test('scheduled scaling for exam weeks', () => {
    const { stack } = build({
      scheduledScaling: [
        { schedule: appscaling.Schedule.cron({ minute: '0', hour: '6', weekDay: 'MON-FRI' }), minCapacity: 6, timeZone: TimeZone.EUROPE_LONDON },
        { schedule: appscaling.Schedule.expression('cron(0 20 ? * MON-FRI *)'), minCapacity: 2, maxCapacity: 10 },
        { schedule: appscaling.Schedule.at(new Date(Date.UTC(2027, 0, 11, 6))), maxCapacity: 30 },
      ],
    });
    const template = checkStack(stack, 'service-scheduled');
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      ScheduledActions: [
        { ScheduledActionName: 'Scheduled0', Schedule: 'cron(0 6 ? * MON-FRI *)', ScalableTargetAction: { MinCapacity: 6 }, Timezone: 'Europe/London' },
        { ScheduledActionName: 'Scheduled1', Schedule: 'cron(0 20 ? * MON-FRI *)', ScalableTargetAction: { MinCapacity: 2, MaxCapacity: 10 } },
        { ScheduledActionName: 'Scheduled2', Schedule: 'at(2027-01-11T06:00:00)', ScalableTargetAction: { MaxCapacity: 30 } },
      ],
    });
  });

  test('an imported target group: requests per target tracked from its CloudWatch metric', () => {
    const stack = testStack();
    const { props } = tiers(stack);
    const targetGroup = elbv2.ApplicationTargetGroup.fromTargetGroupAttributes(stack, 'Imported', {
      targetGroupArn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/moodle/0123456789abcdef',
      loadBalancerArns: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/moodle/fedcba9876543210',
    });
    new MoodleService(stack, 'Service', { ...props, edge: new EdgeStub(stack, 'Stub', 'https://moodle.example.edu', targetGroup) });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({
        CustomizedMetricSpecification: Match.objectLike({ MetricName: 'RequestCountPerTarget', Statistic: 'Sum' }),
        TargetValue: 600,
      }),
    });
  });
});

describe('MoodleService in public application subnets (NAT layout PUBLIC_TASKS)', () => {
  const stack = testStack();
  const network = new MoodleNetwork(stack, 'Network', { natLayout: NatLayout.PUBLIC_TASKS });
  const data = new DataDouble(stack, 'Data', network);
  const cache = new CacheDouble(stack, 'Cache', network);
  const edge = new EdgeDouble(stack, 'Edge', network);
  const service = new MoodleService(stack, 'Service', {
    network, data, cache, edge, adminEmail: 'moodle-admin@example.edu', cronSpot: true, pipelineManagedImage: true,
  });
  const template = checkStack(stack, 'service-public-tasks');
  const services = Object.entries(template.findResources('AWS::ECS::Service'));

  test('web and cron tasks get a public IPv4 address in the application subnets', () => {
    expect(services).toHaveLength(2);
    for (const [, ecsService] of services) {
      expect(ecsService.Properties.NetworkConfiguration.AwsvpcConfiguration).toEqual({
        AssignPublicIp: 'ENABLED',
        SecurityGroups: [{ 'Fn::GetAtt': [expect.stringMatching(/ServiceTaskSecurityGroup/), 'GroupId'] }],
        Subnets: [{ Ref: expect.stringMatching(/ApplicationSubnet1/) }, { Ref: expect.stringMatching(/ApplicationSubnet2/) }],
      });
    }
  });

  test('the install/upgrade task is asked for a public address too', () => {
    template.hasResourceProperties('Custom::MoodleInstallOrUpgrade', {
      AssignPublicIp: 'ENABLED',
      Subnets: [{ Ref: Match.stringLikeRegexp('ApplicationSubnet1') }, { Ref: Match.stringLikeRegexp('ApplicationSubnet2') }],
    });
  });

  test('the pipeline deploy target carries the choice', () => {
    expect(service.deployTarget?.assignPublicIp).toBe(true);
  });

  test('the task security group admits only the load balancer (nothing from an address range)', () => {
    const ingress = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress'))
      .filter((rule) => JSON.stringify(rule.Properties.GroupId).includes('ServiceTaskSecurityGroup'));
    expect(ingress).toHaveLength(1);
    expect(ingress[0].Properties).toMatchObject({
      FromPort: 8080,
      ToPort: 8080,
      SourceSecurityGroupId: { 'Fn::GetAtt': [expect.stringMatching(/EdgeLoadBalancerSecurityGroup/), 'GroupId'] },
    });
    const taskGroup = Object.entries(template.findResources('AWS::EC2::SecurityGroup'))
      .find(([id]) => id.includes('ServiceTaskSecurityGroup'))![1];
    expect(taskGroup.Properties.SecurityGroupIngress).toBeUndefined();
  });

  test('cronSpot puts the cron task on Fargate Spot; the web base stays on demand', () => {
    const cron = services.find(([id]) => id.includes('CronService'))![1];
    expect(cron.Properties.CapacityProviderStrategy).toEqual([{ CapacityProvider: 'FARGATE_SPOT', Base: 1, Weight: 1 }]);
    const web = services.find(([id]) => id.includes('WebService'))![1];
    expect(web.Properties.CapacityProviderStrategy[0]).toEqual({ CapacityProvider: 'FARGATE', Base: 1, Weight: 0 });
  });
});

describe('MoodleService without public task addresses (default)', () => {
  const { stack, service } = build({ pipelineManagedImage: true });
  const template = checkStack(stack, 'service-private-tasks');

  test('no task gets a public address and the cron task runs on demand', () => {
    const services = Object.entries(template.findResources('AWS::ECS::Service'));
    for (const [, ecsService] of services) {
      expect(ecsService.Properties.NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp).toBe('DISABLED');
    }
    const cron = services.find(([id]) => id.includes('CronService'))![1];
    expect(cron.Properties.CapacityProviderStrategy).toEqual([{ CapacityProvider: 'FARGATE', Base: 1, Weight: 1 }]);
    template.hasResourceProperties('Custom::MoodleInstallOrUpgrade', { AssignPublicIp: Match.absent() });
    expect(service.deployTarget?.assignPublicIp).toBe(false);
  });
});

describe('MoodleService with a database that pauses (Aurora Serverless v2 at 0 ACU)', () => {
  const pausing = (overrides: Partial<MoodleServiceProps> = {}) => {
    const stack = testStack();
    const { props } = tiers(stack);
    const data = withFields(props.data, { autoPauseAfter: Duration.minutes(10) });
    const service = new MoodleService(stack, 'Service', { ...props, data, ...overrides });
    return { stack, service };
  };

  test('cron idles every 4 hours, and every role waits 40 s for the database to resume', () => {
    const { stack, service } = pausing();
    const template = checkStack(stack, 'service-pausing-database');
    const environment = (name: string) => Object.fromEntries(containerOf(template, name).Environment.map((e: any) => [e.Name, e.Value]));
    expect(environment('CronTaskDefinition').MOODLE_CRON_IDLE_INTERVAL).toBe('14400');
    expect(environment('WebTaskDefinition').MOODLE_CRON_IDLE_INTERVAL).toBeUndefined();
    for (const name of ['WebTaskDefinition', 'CronTaskDefinition', 'InstallTaskDefinition']) {
      expect(environment(name).MOODLE_DB_CONNECT_TIMEOUT).toBe('40');
    }
    expect(service.cronIdleInterval?.toHours()).toBe(4);
  });

  test('a database that never pauses: cron never idles and Moodle\'s connect timeout stays its default', () => {
    const { stack, service } = build();
    const template = Template.fromStack(stack);
    for (const name of ['WebTaskDefinition', 'CronTaskDefinition']) {
      const names = containerOf(template, name).Environment.map((e: any) => e.Name);
      expect(names).not.toContain('MOODLE_CRON_IDLE_INTERVAL');
      expect(names).not.toContain('MOODLE_DB_CONNECT_TIMEOUT');
    }
    expect(service.cronIdleInterval).toBeUndefined();
  });

  test('cronIdleInterval given for an existing database that pauses', () => {
    const { stack } = build({ cronIdleInterval: Duration.hours(1) });
    const cron = containerOf(Template.fromStack(stack), 'CronTaskDefinition');
    expect(cron.Environment).toContainEqual({ Name: 'MOODLE_CRON_IDLE_INTERVAL', Value: '3600' });
  });

  test.each<[string, Duration, RegExp]>([
    ['shorter than 15 minutes', Duration.minutes(5), /cronIdleInterval is 5 minutes; give 15 minutes to 23 hours 30 minutes/],
    ['longer than the cron alarm can wait', Duration.days(1), /cronIdleInterval is 1 day; give 15 minutes to 23 hours 30 minutes.*Give at most Duration\.minutes\(1410\)/],
  ])('a cronIdleInterval %s fails', (_name, cronIdleInterval, message) => {
    expect(() => build({ cronIdleInterval })).toThrow(message);
  });

  test('a cronIdleInterval not longer than the database\'s autoPauseAfter fails: the database would never pause', () => {
    const stack = testStack();
    const { props } = tiers(stack);
    const data = withFields(props.data, { autoPauseAfter: Duration.hours(1) });
    expect(() => new MoodleService(stack, 'Service', { ...props, data, cronIdleInterval: Duration.minutes(30) })).toThrow(
      /cronIdleInterval \(30 minutes\) is not longer than the database's autoPauseAfter \(1 hour\).*Raise cronIdleInterval/,
    );
  });
});

describe('MoodleService rejects bad input at synth', () => {
  const cases: Array<[string, Partial<MoodleServiceProps>, RegExp]> = [
    ['an invalid CPU/memory pair', { cpu: 1024, memory: Size.gibibytes(1) }, /memory is 1024 MiB, which Fargate does not combine with cpu 1024.*use 2048, 3072/],
    ['a CPU value Fargate does not offer', { cpu: 1000 }, /cpu is 1000, which Fargate does not offer\. Use one of 256, 512/],
    ['an invalid cron task size', { cronCpu: 256, cronMemory: Size.gibibytes(4) }, /cronMemory is 4096 MiB.*cronCpu 256/],
    ['an install task CPU Fargate does not offer', { installCpu: 300 }, /installCpu is 300, which Fargate does not offer/],
    ['an invalid install task size', { installCpu: 512, installMemory: Size.gibibytes(8) }, /installMemory is 8192 MiB.*installCpu 512/],
    ['an on-demand base below one', { onDemandBase: 0 }, /onDemandBase is 0.*Set onDemandBase to 1/],
    ['a negative weight', { spotWeight: -1 }, /spotWeight is -1.*Set spotWeight to 0 or a positive integer/],
    ['all weights zero', { onDemandWeight: 0, spotWeight: 0 }, /onDemandWeight and spotWeight are both 0.*Give spotWeight.*or onDemandWeight a value of 1 or more/],
    ['min capacity above max capacity', { minCapacity: 5, maxCapacity: 3 }, /minCapacity 5 is above maxCapacity 3.*Lower minCapacity or raise maxCapacity/],
    ['min capacity below the on-demand base', { onDemandBase: 3, minCapacity: 2 }, /minCapacity 2 is below onDemandBase 3/],
    ['a grace period of more than an hour', { healthCheckGracePeriod: Duration.minutes(90) }, /healthCheckGracePeriod is 1 hour 30 minutes, but at most 1 hour is allowed.*Duration\.minutes\(2\)/],
    ['an admin email that is not an email', { adminEmail: 'admin(at)example.edu' }, /adminEmail 'admin\(at\)example\.edu' is not an email address.*Set adminEmail/],
    ['an admin email without a domain', { adminEmail: 'admin@localhost' }, /adminEmail 'admin@localhost' is not an email address/],
    ['an admin user Moodle cannot have', { adminUser: 'Admin User' }, /adminUser 'Admin User' is not a Moodle user name/],
    ['a Moodle release outside the release table (4.5.3)', { moodleVersion: 'v4.5.3' },
      /moodleVersion 'v4\.5\.3' is not a release the shipped image builds.*release table \(src\/image\/moodle-releases\.json: 'v5\.3\.0', 'v5\.2\.4', 'v5\.1\.8', 'v5\.0\.11', 'v4\.5\.15'\).*pass it as 'image'/],
    ['a base image digest that is not one', { baseImageDigest: 'sha256:abc' }, /baseImageDigest 'sha256:abc' is not an image digest\. Give 'sha256:' and 64 lower-case hex digits/],
    ['baseImageDigest with a given image', { image: ecs.ContainerImage.fromRegistry('example/moodle'), baseImageDigest: `sha256:${'0'.repeat(64)}` },
      /baseImageDigest only shape the image MoodleService builds, but image was given/],
    ['ECS Exec with a read-only root file system', { enableExecuteCommand: true, readonlyRootFilesystem: true },
      /enableExecuteCommand is true and readonlyRootFilesystem is true, but ECS Exec's agent writes to the container's root file system.*Remove readonlyRootFilesystem/],
    ['a Moodle release Moodle withdrew (5.1.6: MDL-89497), which the table leaves out', { moodleVersion: 'v5.1.6' }, /moodleVersion 'v5\.1\.6' is not a release the shipped image builds/],
    ['a Moodle version that is a branch', { moodleVersion: 'MOODLE_501_STABLE' }, /moodleVersion 'MOODLE_501_STABLE' is not a release the shipped image builds/],
    ['a Moodle version without a patch number', { moodleVersion: 'v5.1' }, /moodleVersion 'v5\.1' is not a release the shipped image builds/],
    ['moodleVersion with a given image', { image: ecs.ContainerImage.fromRegistry('example/moodle'), moodleVersion: 'v5.1.6' }, /moodleVersion only shape the image MoodleService builds, but image was given/],
    ['a CPU target above 100%', { targetCpuUtilizationPercent: 150 }, /targetCpuUtilizationPercent is 150/],
    ['a request target of zero', { targetRequestsPerTask: 0 }, /targetRequestsPerTask is 0; it must be above 0/],
    ['an empty site name', { siteFullName: ' ' }, /siteFullName is ' '; Moodle needs a non-empty site name/],
  ];
  test.each(cases)('%s', (_name, overrides, message) => {
    expect(() => build(overrides)).toThrow(message);
  });

  test('a site URL that is not https', () => {
    expect(() => build({}, { siteUrl: 'http://moodle.example.edu' })).toThrow(
      /edge\.siteUrl is 'http:\/\/moodle\.example\.edu', but Moodle's wwwroot must be an https:\/\/ URL.*Give the edge an https site URL/,
    );
  });

  test('a site URL with a trailing slash', () => {
    expect(() => build({}, { siteUrl: 'https://moodle.example.edu/' })).toThrow(/edge\.siteUrl is 'https:\/\/moodle\.example\.edu\/'/);
  });

  const badSchedules: Array<[string, string, RegExp]> = [
    ['both day fields set', 'cron(0 7 * * MON-FRI *)', /exactly one of day-of-month and day-of-week must be \?/],
    ['five fields (crontab style)', 'cron(0 7 ? * MON-FRI)', /it has 5 fields; Application Auto Scaling cron expressions have 6/],
    ['minute 61', 'cron(61 7 ? * MON *)', /its minutes field '61' is not valid/],
    ['an unknown month', 'cron(0 7 1 FOO ? *)', /its month field 'FOO' is not valid/],
    ['not a schedule', 'every monday', /neither cron\(\.\.\.\), rate\(\.\.\.\) nor at\(\.\.\.\)/],
  ];
  test.each(badSchedules)('scheduled scaling with a malformed cron expression: %s', (_name, expression, problem) => {
    const scheduledScaling = [{ schedule: appscaling.Schedule.expression(expression), minCapacity: 4 }];
    expect(() => build({ scheduledScaling })).toThrow(/scheduledScaling\[0\]\.schedule .* is malformed/);
    expect(() => build({ scheduledScaling })).toThrow(problem);
    expect(() => build({ scheduledScaling })).toThrow(/appscaling\.Schedule\.cron/);
  });

  test('scheduled scaling that changes nothing', () => {
    const scheduledScaling = [{ schedule: appscaling.Schedule.cron({ minute: '0', hour: '6' }) }];
    expect(() => build({ scheduledScaling })).toThrow(/scheduledScaling\[0\] changes nothing\. Give it minCapacity, maxCapacity or both/);
  });

  test('scheduled scaling with min above max', () => {
    const scheduledScaling = [{ schedule: appscaling.Schedule.cron({ minute: '0', hour: '6' }), minCapacity: 8, maxCapacity: 4 }];
    expect(() => build({ scheduledScaling })).toThrow(/scheduledScaling\[0\] has minCapacity 8 above maxCapacity 4/);
  });

  test('a target group not attached to a load balancer', () => {
    const stack = testStack();
    const { props, network } = tiers(stack);
    const targetGroup = new elbv2.ApplicationTargetGroup(stack, 'Lonely', { vpc: network.vpc, port: 8080, targetType: elbv2.TargetType.IP });
    expect(() => new MoodleService(stack, 'Service', { ...props, edge: new EdgeStub(stack, 'Stub', 'https://moodle.example.edu', targetGroup) })).toThrow(
      /edge\.targetGroup is not attached to a load balancer listener yet.*Add the target group to an ALB listener/,
    );
  });

  test('valid Fargate sizes pass, including the 8 and 16 vCPU sizes', () => {
    for (const [cpu, memory] of [[256, 512], [512, 4096], [4096, 30720], [8192, 16384], [16384, 122880]]) {
      expect(() => build({ cpu, memory: Size.mebibytes(memory) })).not.toThrow();
    }
  });
});

describe('MoodleService site URL with tokens', () => {
  test('https around a token passes; http around a token fails', () => {
    const stack = testStack();
    const { props } = tiers(stack);
    const domain = new secretsmanager.Secret(stack, 'Stand-in').secretName; // any string token
    expect(() => new MoodleService(stack, 'Ok', { ...props, edge: withFields(props.edge, { siteUrl: `https://${domain}` }) })).not.toThrow();
    expect(() => new MoodleService(stack, 'Bad', { ...props, edge: withFields(props.edge, { siteUrl: `http://${domain}` }) })).toThrow(
      /edge\.siteUrl is 'http:\/\/…', but Moodle's wwwroot must be an https:\/\/ URL/,
    );
  });
});

describe('MoodleService reports every problem at once', () => {
  test('a bad on-demand base and a bad admin user', () => {
    expect(problemsOf(() => build({ onDemandBase: 0, minCapacity: 1, adminUser: 'Admin User' }))).toEqual([
      expect.stringMatching(/^MoodleService: onDemandBase is 0/),
      expect.stringMatching(/^MoodleService: adminUser 'Admin User' is not a Moodle user name/),
    ]);
  });
});
