'use strict';
// Lambda handlers of MoodleService. The deploy steps are run by the CDK custom-resource Provider framework
// (onEvent starts the step, isComplete is polled until it finishes; the framework fails the deployment
// with the message of any error thrown here):
//   ImageBuild        onEvent starts a CodeBuild build of the Moodle image; isComplete waits for it.
//   InstallOrUpgrade  onEvent runs the one-off ECS task (MOODLE_ROLE=install-or-upgrade); isComplete waits
//                     until it stops and checks the exit code of its Moodle container.
//   ImportSite        the same with the import task (MOODLE_ROLE=import-site), on creation and when its Source (what
//                     is imported) changes; an update that changes only the task definition (a new image) runs nothing.
// restartServices is the target of an EventBridge rule: it forces a new deployment of ECS services whose
// tasks must start again to read a secret's new value.
// Plain JavaScript shipped as it is in the npm package (src/**/*.ts is not shipped, this file is): no
// bundling and no dependency beyond the AWS SDK for JavaScript v3 that the Lambda Node.js runtime provides.

/**
 * The handlers, given thin AWS clients (each a function from request to response promise), so tests can
 * call them without AWS.
 */
function createHandlers(clients) {
  async function onEvent(event) {
    const props = event.ResourceProperties || {};
    if (event.RequestType === 'Delete') {
      // Nothing to undo: an image or an installed site outlives the step that made it.
      return { PhysicalResourceId: event.PhysicalResourceId };
    }
    switch (props.Step) {
      case 'ImageBuild': return startImageBuild(props);
      case 'InstallOrUpgrade': return runOneOffTask(props, 'install-or-upgrade');
      case 'ImportSite':
        if (event.RequestType === 'Update' && (event.OldResourceProperties || {}).Source === props.Source) {
          console.log('the import source did not change: the site was imported before, nothing to run');
          return { PhysicalResourceId: event.PhysicalResourceId, Data: { Skipped: 'true' } };
        }
        return runOneOffTask(props, 'import-site');
      default: throw new Error(`moodle-on-fargate deploy step: unknown Step '${props.Step}'`);
    }
  }

  async function isComplete(event) {
    if (event.RequestType === 'Delete') return { IsComplete: true };
    const props = event.ResourceProperties || {};
    const data = event.Data || {};
    switch (props.Step) {
      case 'ImageBuild': return imageBuildComplete(props, data);
      case 'InstallOrUpgrade': return oneOffTaskComplete(props, data, 'install-or-upgrade');
      case 'ImportSite': return data.Skipped === 'true' ? { IsComplete: true } : oneOffTaskComplete(props, data, 'import-site');
      default: throw new Error(`moodle-on-fargate deploy step: unknown Step '${props.Step}'`);
    }
  }

  async function startImageBuild(props) {
    const response = await clients.startBuild({ projectName: props.ProjectName });
    const buildId = response.build && response.build.id;
    if (!buildId) throw new Error(`CodeBuild did not start a build of project ${props.ProjectName}`);
    console.log(`started image build ${buildId} for tag ${props.ImageTag}`);
    return { PhysicalResourceId: props.ImageTag, Data: { BuildId: buildId, ImageTag: props.ImageTag } };
  }

  async function imageBuildComplete(props, data) {
    const response = await clients.batchGetBuilds({ ids: [data.BuildId] });
    const build = (response.builds || [])[0];
    if (!build) throw new Error(`CodeBuild build ${data.BuildId} of project ${props.ProjectName} was not found`);
    if (build.buildStatus === 'IN_PROGRESS') return { IsComplete: false };
    if (build.buildStatus === 'SUCCEEDED') {
      // The build's record (build/docker-build.sh): the base image it was built on, pinned to its digest.
      const exported = Object.fromEntries((build.exportedEnvironmentVariables || []).map((v) => [v.name, v.value]));
      if (exported.BASE_IMAGE) console.log(`image ${props.ImageTag}: base image ${exported.BASE_IMAGE}, Moodle commit ${exported.MOODLE_COMMIT}`);
      return { IsComplete: true, Data: { ImageTag: props.ImageTag, BaseImage: exported.BASE_IMAGE || 'unknown' } };
    }
    const logs = build.logs || {};
    throw new Error(
      `The Moodle image build ${build.id} ended ${build.buildStatus} (phase ${build.currentPhase || 'unknown'}). ` +
      `Its log: CloudWatch Logs group ${logs.groupName || `/aws/codebuild/${props.ProjectName}`}, stream ${logs.streamName || '(see the build in the CodeBuild console)'}.`,
    );
  }

  async function runOneOffTask(props, label) {
    const response = await clients.runTask({
      cluster: props.Cluster,
      taskDefinition: props.TaskDefinitionArn,
      count: 1,
      // On-demand Fargate: a Spot interruption must not cut an upgrade or an import in half.
      capacityProviderStrategy: [{ capacityProvider: 'FARGATE', base: 1, weight: 1 }],
      platformVersion: 'LATEST',
      startedBy: `moodle-${label}`,
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: props.Subnets,
          securityGroups: props.SecurityGroups,
          // ENABLED only in public application subnets (NAT layout PUBLIC_TASKS): the task's way out.
          assignPublicIp: props.AssignPublicIp === 'ENABLED' ? 'ENABLED' : 'DISABLED',
        },
      },
    });
    const task = (response.tasks || [])[0];
    if (!task) {
      const reasons = (response.failures || []).map((failure) => `${failure.reason}${failure.detail ? ` (${failure.detail})` : ''}`);
      throw new Error(`ecs:RunTask could not start the Moodle ${label} task in cluster ${props.Cluster}: ${reasons.join('; ') || 'no reason given'}`);
    }
    console.log(`started ${label} task ${task.taskArn}`);
    return { PhysicalResourceId: task.taskArn, Data: { TaskArn: task.taskArn } };
  }

  async function oneOffTaskComplete(props, data, label) {
    const taskArn = data.TaskArn;
    const taskId = taskArn.split('/').pop();
    const where = `Its log: CloudWatch Logs group ${props.LogGroupName}, stream ${props.LogStreamPrefix}/${props.ContainerName}/${taskId}.`;
    const response = await clients.describeTasks({ cluster: props.Cluster, tasks: [taskArn] });
    const task = (response.tasks || [])[0];
    if (!task) {
      throw new Error(`The Moodle ${label} task ${taskArn} is no longer known to ECS. ${where}`);
    }
    if (task.lastStatus !== 'STOPPED') return { IsComplete: false };
    const container = (task.containers || []).find((candidate) => candidate.name === props.ContainerName) || {};
    if (container.exitCode === 0) return { IsComplete: true, Data: { TaskArn: taskArn } };
    const cause = container.exitCode !== undefined && container.exitCode !== null
      ? `exit code ${container.exitCode}`
      : `stopped before its container ran: ${container.reason || task.stoppedReason || 'no reason given'}`;
    throw new Error(`The Moodle ${label} task ${taskId} failed (${cause}). ${where}`);
  }

  /** Input: { cluster, services: [service ARN, ...] }. Every service is tried; any failure is thrown after. */
  async function restartServices(input) {
    const results = await Promise.allSettled((input.services || []).map(async (service) => {
      try {
        await clients.updateService({ cluster: input.cluster, service, forceNewDeployment: true });
        console.log(`forced a new deployment of ${service}`);
      } catch (error) {
        // A deleted or not yet created service has no tasks holding the old value.
        if (error.name === 'ServiceNotActiveException' || error.name === 'ServiceNotFoundException') {
          console.log(`skipped ${service}: ${error.name}`);
          return;
        }
        throw new Error(`ecs:UpdateService could not force a new deployment of ${service}: ${error.message}`);
      }
    }));
    const failures = results.filter((result) => result.status === 'rejected').map((result) => result.reason.message);
    if (failures.length > 0) throw new Error(failures.join('; '));
  }

  return { onEvent, isComplete, restartServices };
}

let awsHandlers;
function handlersWithAwsClients() {
  if (!awsHandlers) {
    const ecs = require('@aws-sdk/client-ecs');
    const codebuild = require('@aws-sdk/client-codebuild');
    const ecsClient = new ecs.ECSClient({});
    const codebuildClient = new codebuild.CodeBuildClient({});
    awsHandlers = createHandlers({
      runTask: (input) => ecsClient.send(new ecs.RunTaskCommand(input)),
      describeTasks: (input) => ecsClient.send(new ecs.DescribeTasksCommand(input)),
      startBuild: (input) => codebuildClient.send(new codebuild.StartBuildCommand(input)),
      batchGetBuilds: (input) => codebuildClient.send(new codebuild.BatchGetBuildsCommand(input)),
      updateService: (input) => ecsClient.send(new ecs.UpdateServiceCommand(input)),
    });
  }
  return awsHandlers;
}

exports.createHandlers = createHandlers;
exports.onEvent = (event) => handlersWithAwsClients().onEvent(event);
exports.isComplete = (event) => handlersWithAwsClients().isComplete(event);
exports.restartServices = (input) => handlersWithAwsClients().restartServices(input);
