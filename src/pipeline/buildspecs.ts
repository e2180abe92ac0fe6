/**
 * The buildspecs of MoodlePipeline's two CodeBuild projects, generated from code so tests can read
 * every command. Values that are only known at deploy time (ARNs, repository URI) may be tokens:
 * CodeBuild receives them as environment variables.
 */
import { ECR_PUBLIC_LOGIN } from '../private/ecr-public';

/** What the image build needs. */
export interface ImageBuildSpecOptions {
  /** URI of the ECR repository, `<account>.dkr.ecr.<region>.amazonaws.com/<name>`. */
  readonly repositoryUri: string;
  /** Name of the ECR repository (for the "tag already pushed" check). */
  readonly repositoryName: string;
  /** Name of the SSM parameter holding the tag the site runs (its image seeds the layer cache). */
  readonly tagParameterName: string;
  /** Name of the Moodle container in the task definitions, written into imagedefinitions.json. */
  readonly containerName: string;
  /** Docker platform of the target, `linux/arm64` or `linux/amd64`. */
  readonly platform: string;
  /** Directory of the Dockerfile in the source. */
  readonly buildDirectory: string;
  /** ARN of a Secrets Manager secret with `username` and `password` for Docker Hub, if any. */
  readonly dockerHubSecretArn?: string;
}

/** The exported variables of the image build, read by the upgrade step as `#{Build.<name>}`. */
export const IMAGE_BUILD_EXPORTED_VARIABLES = ['IMAGE_TAG', 'IMAGE_URI'] as const;

/**
 * Image build: log in to ECR, build for the target's platform with the running image as layer cache,
 * push `<repository>:<commit id>` (once: tags are immutable), and write imagedefinitions.json for the
 * ECS deploy actions.
 */
export function imageBuildSpec(options: ImageBuildSpecOptions): Record<string, unknown> {
  const env: Record<string, unknown> = {
    'shell': 'bash',
    'variables': {
      REPOSITORY_URI: options.repositoryUri,
      REPOSITORY_NAME: options.repositoryName,
      IMAGE_TAG_PARAMETER: options.tagParameterName,
      CONTAINER_NAME: options.containerName,
      DOCKER_PLATFORM: options.platform,
      BUILD_DIRECTORY: options.buildDirectory,
      DOCKER_BUILDKIT: '1',
    },
    // BASE_IMAGE: the base image the build pinned (build/docker-build.sh's record), shown in the pipeline's execution.
    'exported-variables': [...IMAGE_BUILD_EXPORTED_VARIABLES, 'BASE_IMAGE'],
  };
  const dockerHubLogin: string[] = [];
  if (options.dockerHubSecretArn !== undefined) {
    env['secrets-manager'] = {
      DOCKERHUB_USERNAME: `${options.dockerHubSecretArn}:username`,
      DOCKERHUB_PASSWORD: `${options.dockerHubSecretArn}:password`,
    };
    dockerHubLogin.push('echo "$DOCKERHUB_PASSWORD" | docker login --username "$DOCKERHUB_USERNAME" --password-stdin');
  }
  return {
    version: '0.2',
    env,
    phases: {
      pre_build: {
        'on-failure': 'ABORT',
        'commands': [
          // The commit id (S3 sources: the object version), reduced to the characters a Docker tag allows.
          'IMAGE_TAG=$(printf \'%s\' "$CODEBUILD_RESOLVED_SOURCE_VERSION" | tr -c \'A-Za-z0-9_.-\' \'-\' | cut -c1-128)',
          'test -n "$IMAGE_TAG" || { echo "No source revision to tag the image with" >&2; exit 1; }',
          'IMAGE_URI="$REPOSITORY_URI:$IMAGE_TAG"',
          'aws ecr get-login-password --region "$AWS_REGION" | docker login --username AWS --password-stdin "${REPOSITORY_URI%%/*}"',
          ECR_PUBLIC_LOGIN,
          ...dockerHubLogin,
          'RUNNING_TAG=$(aws ssm get-parameter --name "$IMAGE_TAG_PARAMETER" --query Parameter.Value --output text 2>/dev/null || true)',
          'if aws ecr describe-images --repository-name "$REPOSITORY_NAME" --image-ids imageTag="$IMAGE_TAG" >/dev/null 2>&1; then IMAGE_PUSHED=yes; else IMAGE_PUSHED=no; fi',
          'echo "Image $IMAGE_URI already in the repository: $IMAGE_PUSHED"',
          'BASE_IMAGE="not recorded (built before, or by a Dockerfile without build/docker-build.sh)"',
        ],
      },
      build: {
        'on-failure': 'ABORT',
        'commands': [
          'if [ "$IMAGE_PUSHED" = no ] && [ -n "$RUNNING_TAG" ]; then docker pull --platform "$DOCKER_PLATFORM" "$REPOSITORY_URI:$RUNNING_TAG" || true; fi',
          // The shipped image source's build script (base images pinned to their digests and recorded); a source
          // without it (a Dockerfile of the user's own) is built as it is.
          'if [ "$IMAGE_PUSHED" = no ] && [ -f "$BUILD_DIRECTORY/build/docker-build.sh" ]; then CACHE_FROM="${RUNNING_TAG:+$REPOSITORY_URI:$RUNNING_TAG}"'
            + ' bash "$BUILD_DIRECTORY/build/docker-build.sh" "$IMAGE_URI" "$BUILD_DIRECTORY" && set -a && . /tmp/moodle-image-build.env && set +a; fi',
          'if [ "$IMAGE_PUSHED" = no ] && [ ! -f "$BUILD_DIRECTORY/build/docker-build.sh" ]; then docker build --platform "$DOCKER_PLATFORM" --build-arg BUILDKIT_INLINE_CACHE=1'
            + ' ${RUNNING_TAG:+--cache-from "$REPOSITORY_URI:$RUNNING_TAG"} --tag "$IMAGE_URI" "$BUILD_DIRECTORY"; fi',
          'echo "Base image: ${BASE_IMAGE:-not recorded}"',
          'if [ "$IMAGE_PUSHED" = no ]; then docker push "$IMAGE_URI"; fi',
          'printf \'[{"name":"%s","imageUri":"%s"}]\' "$CONTAINER_NAME" "$IMAGE_URI" > imagedefinitions.json',
          'cat imagedefinitions.json',
        ],
      },
    },
    artifacts: {
      files: ['imagedefinitions.json'],
    },
  };
}

/** What the upgrade step needs. */
export interface UpgradeBuildSpecOptions {
  /** ARN or name of the cluster. */
  readonly cluster: string;
  /** ARN of the upgrade task definition CloudFormation registered (its family gets the new revision). */
  readonly upgradeTaskDefinitionArn: string;
  /** Name of the Moodle container in it. */
  readonly containerName: string;
  /** Comma-separated subnet ids of the upgrade task. */
  readonly subnetIds: string;
  /** Comma-separated security group ids of the upgrade task. */
  readonly securityGroupIds: string;
  /** Whether the upgrade task gets a public IPv4 address (public subnets without NAT). Default false. */
  readonly assignPublicIp?: boolean;
  /** Name of the SSM parameter the tag is written into after a successful upgrade. */
  readonly tagParameterName: string;
  /** Seconds the upgrade task may run before it is stopped and the step fails. */
  readonly timeoutSeconds: number;
  /** Seconds between two checks of the task's state. */
  readonly pollSeconds: number;
}

/**
 * Upgrade step: register a revision of the upgrade task definition with the new image (IMAGE_URI,
 * from the build), run it on Fargate, wait until it stops, fail unless the Moodle container exited 0,
 * and only then write IMAGE_TAG into the tag parameter. Task definitions' image literals are never
 * touched: the services and later `cdk deploy`s read the tag from the parameter.
 */
export function upgradeBuildSpec(options: UpgradeBuildSpecOptions): Record<string, unknown> {
  return {
    version: '0.2',
    env: {
      shell: 'bash',
      variables: {
        CLUSTER: options.cluster,
        UPGRADE_TASK_DEFINITION: options.upgradeTaskDefinitionArn,
        CONTAINER_NAME: options.containerName,
        SUBNET_IDS: options.subnetIds,
        SECURITY_GROUP_IDS: options.securityGroupIds,
        IMAGE_TAG_PARAMETER: options.tagParameterName,
        UPGRADE_TIMEOUT_SECONDS: String(options.timeoutSeconds),
        POLL_SECONDS: String(options.pollSeconds),
      },
    },
    phases: {
      build: {
        'on-failure': 'ABORT',
        'commands': [
          'test -n "$IMAGE_TAG" && test -n "$IMAGE_URI" || { echo "IMAGE_TAG and IMAGE_URI must come from the build" >&2; exit 1; }',
          'aws ecs describe-task-definition --task-definition "$UPGRADE_TASK_DEFINITION" --query taskDefinition > current-task-definition.json',
          'jq -e --arg name "$CONTAINER_NAME" \'any(.containerDefinitions[]; .name == $name)\' current-task-definition.json > /dev/null'
            + ' || { echo "No container $CONTAINER_NAME in $UPGRADE_TASK_DEFINITION" >&2; exit 1; }',
          'jq --arg name "$CONTAINER_NAME" --arg image "$IMAGE_URI" \'(.containerDefinitions[] | select(.name == $name) | .image) = $image'
            + ' | {family, taskRoleArn, executionRoleArn, networkMode, containerDefinitions, volumes, placementConstraints,'
            + ' requiresCompatibilities, cpu, memory, runtimePlatform, ephemeralStorage, pidMode, ipcMode, proxyConfiguration}'
            + ' | with_entries(select(.value != null))\' current-task-definition.json > upgrade-task-definition.json',
          'UPGRADE_REVISION=$(aws ecs register-task-definition --cli-input-json file://upgrade-task-definition.json --query taskDefinition.taskDefinitionArn --output text)',
          'echo "Running $UPGRADE_REVISION with $IMAGE_URI"',
          'TASK_ARN=$(aws ecs run-task --cluster "$CLUSTER" --task-definition "$UPGRADE_REVISION" --launch-type FARGATE --started-by moodle-pipeline'
            + ' --network-configuration "awsvpcConfiguration={subnets=[$SUBNET_IDS],securityGroups=[$SECURITY_GROUP_IDS],'
            + `assignPublicIp=${options.assignPublicIp ? 'ENABLED' : 'DISABLED'}}"`
            + ' --query \'tasks[0].taskArn\' --output text)',
          'test -n "$TASK_ARN" && test "$TASK_ARN" != None || { echo "The upgrade task did not start" >&2; exit 1; }',
          'DEADLINE=$(( $(date +%s) + UPGRADE_TIMEOUT_SECONDS ))',
          // The waiter gives up after 10 minutes; an upgrade may take longer, so wait again until the deadline.
          'until aws ecs wait tasks-stopped --cluster "$CLUSTER" --tasks "$TASK_ARN"; do'
            + ' if [ "$(date +%s)" -ge "$DEADLINE" ]; then aws ecs stop-task --cluster "$CLUSTER" --task "$TASK_ARN" --reason "Upgrade timed out" > /dev/null;'
            + ' echo "The upgrade task ran longer than $UPGRADE_TIMEOUT_SECONDS s and was stopped" >&2; exit 1; fi; sleep "$POLL_SECONDS"; done',
          'aws ecs describe-tasks --cluster "$CLUSTER" --tasks "$TASK_ARN" --query \'tasks[0].{stopCode: stopCode, stoppedReason: stoppedReason, containers: containers[].{name: name, exitCode: exitCode, reason: reason}}\'',
          'EXIT_CODE=$(aws ecs describe-tasks --cluster "$CLUSTER" --tasks "$TASK_ARN" --query "tasks[0].containers[?name==\'$CONTAINER_NAME\'].exitCode | [0]" --output text)',
          'if [ "$EXIT_CODE" != 0 ]; then echo "The upgrade task failed (exit code $EXIT_CODE): the services keep running the current image" >&2; exit 1; fi',
          'aws ssm put-parameter --name "$IMAGE_TAG_PARAMETER" --value "$IMAGE_TAG" --overwrite',
          'echo "Upgrade done; $IMAGE_TAG_PARAMETER = $IMAGE_TAG"',
        ],
      },
    },
  };
}
