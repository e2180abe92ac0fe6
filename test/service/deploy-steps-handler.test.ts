// The deploy-step Lambda handlers (plain JavaScript shipped in the package), driven with fake AWS clients.
import * as path from 'path';

interface Handlers {
  onEvent(event: Record<string, unknown>): Promise<any>;
  isComplete(event: Record<string, unknown>): Promise<any>;
  restartServices(input: Record<string, unknown>): Promise<any>;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createHandlers } = require(path.join(__dirname, '..', '..', 'src', 'service', 'deploy-steps', 'index.js')) as {
  createHandlers(clients: Record<string, (input: any) => Promise<any>>): Handlers;
};

const installProps = {
  Step: 'InstallOrUpgrade',
  Cluster: 'arn:aws:ecs:eu-west-1:123456789012:cluster/moodle',
  TaskDefinitionArn: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/install:7',
  Subnets: ['subnet-1', 'subnet-2'],
  SecurityGroups: ['sg-1'],
  ContainerName: 'moodle',
  LogGroupName: 'Moodle-ServiceLogs-abc',
  LogStreamPrefix: 'install-or-upgrade',
};
const taskArn = 'arn:aws:ecs:eu-west-1:123456789012:task/moodle/0123456789abcdef';

function fakes(responses: Record<string, any>) {
  const calls: Record<string, any[]> = {};
  const client = (name: string) => async (input: any) => {
    (calls[name] ??= []).push(input);
    return responses[name];
  };
  return {
    calls,
    handlers: createHandlers({
      runTask: client('runTask'),
      describeTasks: client('describeTasks'),
      startBuild: client('startBuild'),
      batchGetBuilds: client('batchGetBuilds'),
      updateService: async (input: any) => {
        (calls.updateService ??= []).push(input);
        const failure = responses.updateServiceErrors?.[input.service];
        if (failure) throw Object.assign(new Error(failure.message), { name: failure.name });
        return {};
      },
    }),
  };
}

describe('site import step', () => {
  const importProps = { ...installProps, Step: 'ImportSite', LogStreamPrefix: 'import-site', Source: 's3://b/db.sql.gz s3://b/data.tar - keep' };

  test('runs the import task on creation, started by moodle-import-site', async () => {
    const { handlers, calls } = fakes({ runTask: { tasks: [{ taskArn }] } });
    const result = await handlers.onEvent({ RequestType: 'Create', ResourceProperties: importProps });
    expect(result).toEqual({ PhysicalResourceId: taskArn, Data: { TaskArn: taskArn } });
    expect(calls.runTask).toEqual([expect.objectContaining({ taskDefinition: importProps.TaskDefinitionArn, startedBy: 'moodle-import-site' })]);
  });

  test('an update with the same source (a new image) runs nothing and is complete at once', async () => {
    const { handlers, calls } = fakes({ runTask: { tasks: [{ taskArn }] } });
    const event = { RequestType: 'Update', PhysicalResourceId: taskArn, ResourceProperties: { ...importProps, TaskDefinitionArn: 'arn:new:8' }, OldResourceProperties: importProps };
    const result = await handlers.onEvent(event);
    expect(result).toEqual({ PhysicalResourceId: taskArn, Data: { Skipped: 'true' } });
    expect(calls.runTask).toBeUndefined();
    expect(await handlers.isComplete({ ...event, Data: result.Data })).toEqual({ IsComplete: true });
    expect(calls.describeTasks).toBeUndefined();
  });

  test('an update with another source runs the import again', async () => {
    const { handlers, calls } = fakes({ runTask: { tasks: [{ taskArn }] } });
    await handlers.onEvent({ RequestType: 'Update', ResourceProperties: { ...importProps, Source: 's3://b/other.sql.gz s3://b/data.tar - keep' }, OldResourceProperties: importProps });
    expect(calls.runTask).toHaveLength(1);
  });

  test('a failed import task fails the deployment, naming the import task and its log', async () => {
    const { handlers } = fakes({ describeTasks: { tasks: [{ lastStatus: 'STOPPED', containers: [{ name: 'moodle', exitCode: 5 }] }] } });
    await expect(handlers.isComplete({ RequestType: 'Create', ResourceProperties: importProps, Data: { TaskArn: taskArn } }))
      .rejects.toThrow(/The Moodle import-site task 0123456789abcdef failed \(exit code 5\)\. Its log: CloudWatch Logs group Moodle-ServiceLogs-abc, stream import-site\/moodle\/0123456789abcdef/);
  });
});

describe('install-or-upgrade step', () => {
  test('runs one task on on-demand Fargate in the given subnets, without a public IP', async () => {
    const { handlers, calls } = fakes({ runTask: { tasks: [{ taskArn }] } });
    const result = await handlers.onEvent({ RequestType: 'Update', ResourceProperties: installProps });
    expect(result).toEqual({ PhysicalResourceId: taskArn, Data: { TaskArn: taskArn } });
    expect(calls.runTask).toEqual([expect.objectContaining({
      cluster: installProps.Cluster,
      taskDefinition: installProps.TaskDefinitionArn,
      count: 1,
      capacityProviderStrategy: [{ capacityProvider: 'FARGATE', base: 1, weight: 1 }],
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1', 'subnet-2'], securityGroups: ['sg-1'], assignPublicIp: 'DISABLED' } },
    })]);
  });

  test('gives the task a public IP when asked (public application subnets without NAT)', async () => {
    const { handlers, calls } = fakes({ runTask: { tasks: [{ taskArn }] } });
    await handlers.onEvent({ RequestType: 'Create', ResourceProperties: { ...installProps, AssignPublicIp: 'ENABLED' } });
    expect(calls.runTask[0].networkConfiguration).toEqual({
      awsvpcConfiguration: { subnets: ['subnet-1', 'subnet-2'], securityGroups: ['sg-1'], assignPublicIp: 'ENABLED' },
    });
  });

  test.each([['DISABLED'], ['enabled'], ['true']])('any AssignPublicIp other than ENABLED (%s) gives no public IP', async (value) => {
    const { handlers, calls } = fakes({ runTask: { tasks: [{ taskArn }] } });
    await handlers.onEvent({ RequestType: 'Update', ResourceProperties: { ...installProps, AssignPublicIp: value } });
    expect(calls.runTask[0].networkConfiguration.awsvpcConfiguration.assignPublicIp).toBe('DISABLED');
  });

  test('fails when ECS cannot start the task, with its reason', async () => {
    const { handlers } = fakes({ runTask: { tasks: [], failures: [{ reason: 'Capacity is unavailable at this time' }] } });
    await expect(handlers.onEvent({ RequestType: 'Create', ResourceProperties: installProps })).rejects.toThrow(
      /could not start the Moodle install-or-upgrade task.*Capacity is unavailable/,
    );
  });

  test('is not complete while the task runs', async () => {
    const { handlers } = fakes({ describeTasks: { tasks: [{ lastStatus: 'RUNNING' }] } });
    await expect(handlers.isComplete({ RequestType: 'Create', ResourceProperties: installProps, Data: { TaskArn: taskArn } }))
      .resolves.toEqual({ IsComplete: false });
  });

  test('is complete when the Moodle container exits 0', async () => {
    const { handlers, calls } = fakes({ describeTasks: { tasks: [{ lastStatus: 'STOPPED', containers: [{ name: 'moodle', exitCode: 0 }] }] } });
    await expect(handlers.isComplete({ RequestType: 'Create', ResourceProperties: installProps, Data: { TaskArn: taskArn } }))
      .resolves.toEqual({ IsComplete: true, Data: { TaskArn: taskArn } });
    expect(calls.describeTasks).toEqual([{ cluster: installProps.Cluster, tasks: [taskArn] }]);
  });

  test('a non-zero exit fails the deployment and says where the log is', async () => {
    const { handlers } = fakes({ describeTasks: { tasks: [{ lastStatus: 'STOPPED', containers: [{ name: 'moodle', exitCode: 3 }] }] } });
    await expect(handlers.isComplete({ RequestType: 'Update', ResourceProperties: installProps, Data: { TaskArn: taskArn } })).rejects.toThrow(
      'The Moodle install-or-upgrade task 0123456789abcdef failed (exit code 3). Its log: CloudWatch Logs group Moodle-ServiceLogs-abc, stream install-or-upgrade/moodle/0123456789abcdef.',
    );
  });

  test('a task that never ran its container (image pull, secrets) fails with the stop reason', async () => {
    const { handlers } = fakes({
      describeTasks: { tasks: [{ lastStatus: 'STOPPED', stoppedReason: 'ResourceInitializationError: unable to pull secrets', containers: [{ name: 'moodle' }] }] },
    });
    await expect(handlers.isComplete({ RequestType: 'Update', ResourceProperties: installProps, Data: { TaskArn: taskArn } })).rejects.toThrow(
      /stopped before its container ran: ResourceInitializationError: unable to pull secrets\)\. Its log: CloudWatch Logs group/,
    );
  });

  test('delete does nothing', async () => {
    const { handlers, calls } = fakes({});
    await expect(handlers.onEvent({ RequestType: 'Delete', PhysicalResourceId: taskArn, ResourceProperties: installProps }))
      .resolves.toEqual({ PhysicalResourceId: taskArn });
    await expect(handlers.isComplete({ RequestType: 'Delete', ResourceProperties: installProps })).resolves.toEqual({ IsComplete: true });
    expect(calls).toEqual({});
  });
});

describe('image build step', () => {
  const buildProps = { Step: 'ImageBuild', ProjectName: 'MoodleImageBuild', ImageTag: 'v5.1.6-x86_64-abc' };

  test('starts a build and waits for it', async () => {
    const started = fakes({ startBuild: { build: { id: 'MoodleImageBuild:1' } } });
    await expect(started.handlers.onEvent({ RequestType: 'Create', ResourceProperties: buildProps })).resolves.toEqual({
      PhysicalResourceId: 'v5.1.6-x86_64-abc',
      Data: { BuildId: 'MoodleImageBuild:1', ImageTag: 'v5.1.6-x86_64-abc' },
    });
    expect(started.calls.startBuild).toEqual([{ projectName: 'MoodleImageBuild' }]);
    const running = fakes({ batchGetBuilds: { builds: [{ id: 'MoodleImageBuild:1', buildStatus: 'IN_PROGRESS' }] } });
    await expect(running.handlers.isComplete({ RequestType: 'Create', ResourceProperties: buildProps, Data: { BuildId: 'MoodleImageBuild:1' } }))
      .resolves.toEqual({ IsComplete: false });
    const done = fakes({ batchGetBuilds: { builds: [{ id: 'MoodleImageBuild:1', buildStatus: 'SUCCEEDED' }] } });
    await expect(done.handlers.isComplete({ RequestType: 'Create', ResourceProperties: buildProps, Data: { BuildId: 'MoodleImageBuild:1' } }))
      .resolves.toEqual({ IsComplete: true, Data: { ImageTag: 'v5.1.6-x86_64-abc', BaseImage: 'unknown' } });
  });

  test('returns the base image the build recorded (its exported variables)', async () => {
    const base = `public.ecr.aws/docker/library/php:8.4-apache-bookworm@sha256:${'b'.repeat(64)}`;
    const done = fakes({
      batchGetBuilds: {
        builds: [{
          id: 'MoodleImageBuild:1',
          buildStatus: 'SUCCEEDED',
          exportedEnvironmentVariables: [{ name: 'BASE_IMAGE', value: base }, { name: 'MOODLE_COMMIT', value: 'c'.repeat(40) }],
        }],
      },
    });
    await expect(done.handlers.isComplete({ RequestType: 'Create', ResourceProperties: buildProps, Data: { BuildId: 'MoodleImageBuild:1' } }))
      .resolves.toEqual({ IsComplete: true, Data: { ImageTag: 'v5.1.6-x86_64-abc', BaseImage: base } });
  });

  test('a failed build fails the deployment and says where its log is', async () => {
    const { handlers } = fakes({
      batchGetBuilds: { builds: [{ id: 'MoodleImageBuild:2', buildStatus: 'FAILED', currentPhase: 'BUILD', logs: { groupName: '/moodle/build', streamName: 'abc-123' } }] },
    });
    await expect(handlers.isComplete({ RequestType: 'Update', ResourceProperties: buildProps, Data: { BuildId: 'MoodleImageBuild:2' } })).rejects.toThrow(
      'The Moodle image build MoodleImageBuild:2 ended FAILED (phase BUILD). Its log: CloudWatch Logs group /moodle/build, stream abc-123.',
    );
  });

  test('an unknown step is an error', async () => {
    const { handlers } = fakes({});
    await expect(handlers.onEvent({ RequestType: 'Create', ResourceProperties: { Step: 'Nope' } })).rejects.toThrow(/unknown Step 'Nope'/);
  });
});

describe('restart after a secret change', () => {
  const cluster = 'arn:aws:ecs:eu-west-1:123456789012:cluster/moodle';
  const web = 'arn:aws:ecs:eu-west-1:123456789012:service/moodle/web';
  const cron = 'arn:aws:ecs:eu-west-1:123456789012:service/moodle/cron';

  test('forces a new deployment of every service, keeping its task definition', async () => {
    const { handlers, calls } = fakes({});
    await handlers.restartServices({ cluster, services: [web, cron] });
    expect(calls.updateService).toEqual([
      { cluster, service: web, forceNewDeployment: true },
      { cluster, service: cron, forceNewDeployment: true },
    ]);
  });

  test('skips a service that is gone and still restarts the others', async () => {
    const { handlers, calls } = fakes({ updateServiceErrors: { [web]: { name: 'ServiceNotActiveException', message: 'Service was not ACTIVE.' } } });
    await handlers.restartServices({ cluster, services: [web, cron] });
    expect(calls.updateService).toHaveLength(2);
  });

  test('any other failure is thrown (EventBridge retries) after the other services were restarted', async () => {
    const { handlers, calls } = fakes({ updateServiceErrors: { [web]: { name: 'AccessDeniedException', message: 'not allowed' } } });
    await expect(handlers.restartServices({ cluster, services: [web, cron] })).rejects.toThrow(
      /could not force a new deployment of .*service\/moodle\/web: not allowed/,
    );
    expect(calls.updateService.map((call: any) => call.service)).toEqual([web, cron]);
  });
});
