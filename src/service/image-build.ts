import * as crypto from 'crypto';
import { CustomResource, Duration, Validations } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { DeploySteps, IMAGE_BUILD_RESOURCE_TYPE } from './deploy-steps';
import { ECR_PUBLIC_LOGIN, grantEcrPublicPull } from '../private/ecr-public';


export interface ImageBuildProps {
  readonly arm64: boolean;
  readonly moodleVersion: string;
  /** A pinned digest of the PHP base image (else the build resolves the tag's). */
  readonly baseImageDigest?: string;
  readonly deploySteps: DeploySteps;
  readonly logRetention: logs.RetentionDays;
  readonly dockerHubSecret?: secretsmanager.ISecret;
  /**
   * A fixed tag instead of the content-derived one: the bootstrap image of a pipeline-managed site,
   * built once and never rebuilt (a later library version does not replace what the pipeline rolls out).
   */
  readonly fixedTag?: string;
  /** The image source folder (the shipped one, or its copy with the site's plugin list). */
  readonly sourceDirectory: string;
}

/**
 * Builds the Moodle image at deploy time, without Docker on the deploying machine: the image source is
 * uploaded as a zip (an S3 asset), a CodeBuild project of the task's CPU architecture builds and pushes it to
 * a private ECR repository, and a custom resource starts the build and waits for it (isComplete).
 * The tag is derived from the source, the build spec, the Moodle version and the architecture, so an
 * unchanged image is never rebuilt and tags never need to be overwritten (the repository's tags are immutable).
 * Internal to MoodleService.
 */
export class ImageBuild extends Construct {
  public readonly repository: ecr.Repository;
  public readonly project: codebuild.Project;
  public readonly source: s3assets.Asset;
  /** The tag the build pushes (known at synth time). */
  public readonly imageTag: string;
  /**
   * The image. Whatever runs it must depend on `buildResource` (the tag exists only once the build succeeded);
   * the tag is a plain string rather than the custom resource's attribute so that the task definitions do not
   * depend on the deploy-step functions whose policies name them.
   */
  public readonly image: ecs.ContainerImage;
  public readonly buildResource: CustomResource;
  /**
   * The PHP base image the build used, `<repository>:<tag>@<digest>` (a deploy-time value, from the build's
   * record: the digest its tag had, or the one pinned).
   */
  public readonly baseImageReference: string;

  constructor(scope: Construct, id: string, props: ImageBuildProps) {
    super(scope, id);

    this.repository = new ecr.Repository(this, 'Repository', {
      imageScanOnPush: true,
      imageTagMutability: ecr.TagMutability.IMMUTABLE,
      lifecycleRules: [{ description: 'Keep the 20 newest images (deploys and rollbacks use the last few)', maxImageCount: 20 }],
    });

    this.source = new s3assets.Asset(this, 'Source', { path: props.sourceDirectory });

    const buildSpecObject = imageBuildSpec(props.dockerHubSecret !== undefined);
    const buildSpec = codebuild.BuildSpec.fromObject(buildSpecObject);
    const arch = props.arm64 ? 'arm64' : 'x86_64';
    const contentHash = crypto.createHash('sha256')
      .update(this.source.assetHash)
      .update(JSON.stringify(buildSpecObject))
      .update(props.baseImageDigest ?? '')
      .digest('hex');
    this.imageTag = props.fixedTag ?? `${props.moodleVersion}-${arch}-${contentHash}`;

    const environmentVariables: Record<string, codebuild.BuildEnvironmentVariable> = {
      REPOSITORY_URI: { value: this.repository.repositoryUri },
      REPOSITORY_NAME: { value: this.repository.repositoryName },
      IMAGE_TAG: { value: this.imageTag },
      MOODLE_VERSION: { value: props.moodleVersion },
      ...(props.baseImageDigest ? { BASE_IMAGE_DIGEST: { value: props.baseImageDigest } } : {}),
    };
    if (props.dockerHubSecret) {
      environmentVariables.DOCKERHUB_USERNAME = {
        type: codebuild.BuildEnvironmentVariableType.SECRETS_MANAGER,
        value: `${props.dockerHubSecret.secretArn}:username`,
      };
      environmentVariables.DOCKERHUB_PASSWORD = {
        type: codebuild.BuildEnvironmentVariableType.SECRETS_MANAGER,
        value: `${props.dockerHubSecret.secretArn}:password`,
      };
    }

    // The project's role gets exactly what the build needs, written here: CodeBuild's defaults would add
    // wildcards (its own log-group and report-group name patterns, s3:GetObject* on the whole asset bucket).
    const role = new iam.Role(this, 'ProjectRole', { assumedBy: new iam.ServicePrincipal('codebuild.amazonaws.com') });
    const buildLogs = new logs.LogGroup(this, 'BuildLogs', { retention: props.logRetention });
    buildLogs.grantWrite(role);
    role.addToPolicy(new iam.PolicyStatement({
      actions: ['s3:GetObject', 's3:GetObjectVersion'],
      resources: [this.source.bucket.arnForObjects(this.source.s3ObjectKey)],
    }));
    role.addToPolicy(new iam.PolicyStatement({
      actions: ['s3:GetBucketAcl', 's3:GetBucketLocation'],
      resources: [this.source.bucket.bucketArn],
    }));
    this.repository.grantPullPush(role);
    grantEcrPublicPull(role);
    // The build asks whether its tag exists before building (an immutable tag cannot be pushed twice).
    this.repository.grant(role, 'ecr:DescribeImages');
    props.dockerHubSecret?.grantRead(role);
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ecr:GetAuthorizationToken, ecr-public:GetAuthorizationToken and sts:GetServiceBearerToken have no resource-level permissions; pushing is limited to the Moodle repository.',
    });

    this.project = new codebuild.Project(this, 'Project', {
      description: `Builds the Moodle ${props.moodleVersion} image (${arch}) from the Dockerfile shipped in moodle-on-fargate`,
      source: codebuild.Source.s3({ bucket: this.source.bucket, path: this.source.s3ObjectKey }),
      buildSpec,
      role: role.withoutPolicyUpdates(),
      environment: {
        buildImage: props.arm64 ? codebuild.LinuxArmBuildImage.AMAZON_LINUX_2023_STANDARD_3_0 : codebuild.LinuxBuildImage.STANDARD_7_0,
        computeType: codebuild.ComputeType.SMALL,
        privileged: true, // docker build needs the Docker daemon
      },
      environmentVariables,
      timeout: Duration.minutes(30),
      logging: { cloudWatch: { logGroup: buildLogs } },
    });
    Validations.of(this.project).acknowledge({
      id: 'AwsSolutions-CB4',
      reason: 'The build has no artifacts (it pushes to ECR, encrypted at rest) and its log holds no secrets: the AWS-managed key is enough.',
    });

    props.deploySteps.onEventFunction.addToRolePolicy(new iam.PolicyStatement({
      actions: ['codebuild:StartBuild'],
      resources: [this.project.projectArn],
    }));
    props.deploySteps.isCompleteFunction.addToRolePolicy(new iam.PolicyStatement({
      actions: ['codebuild:BatchGetBuilds'],
      resources: [this.project.projectArn],
    }));

    this.buildResource = new CustomResource(this, 'Build', {
      serviceToken: props.deploySteps.serviceToken,
      resourceType: IMAGE_BUILD_RESOURCE_TYPE,
      properties: {
        Step: 'ImageBuild',
        ProjectName: this.project.projectName,
        ImageTag: this.imageTag,
        MoodleVersion: props.moodleVersion,
        SourceObjectKey: this.source.s3ObjectKey,
        ...(props.baseImageDigest ? { BaseImageDigest: props.baseImageDigest } : {}),
      },
    });
    this.baseImageReference = this.buildResource.getAttString('BaseImage');
    // The build needs its role's policy (the project itself cannot add it: its role is used without policy updates).
    this.buildResource.node.addDependency(this.repository, role, props.deploySteps.onEventFunction, props.deploySteps.isCompleteFunction);

    this.image = ecs.ContainerImage.fromEcrRepository(this.repository, this.imageTag);
  }
}

function imageBuildSpec(dockerHubLogin: boolean): Record<string, unknown> {
  const preBuild = [
    'REGISTRY="${REPOSITORY_URI%%/*}"',
    'aws ecr get-login-password | docker login --username AWS --password-stdin "$REGISTRY"',
    ECR_PUBLIC_LOGIN,
    // Tags are immutable and derived from the content: an existing tag is the same image (a retried deploy).
    'if aws ecr describe-images --repository-name "$REPOSITORY_NAME" --image-ids imageTag="$IMAGE_TAG" >/dev/null 2>&1; then echo "$IMAGE_TAG is already in ECR"; touch /tmp/image-exists; fi',
  ];
  if (dockerHubLogin) {
    // Authenticated pulls of the base images, instead of Docker Hub's anonymous rate limit.
    preBuild.push('echo "$DOCKERHUB_PASSWORD" | docker login --username "$DOCKERHUB_USERNAME" --password-stdin');
  }
  return {
    version: '0.2',
    // BASE_IMAGE: read by the deploy step from the build (exportedEnvironmentVariables) as the image's base.
    env: { 'shell': 'bash', 'exported-variables': ['BASE_IMAGE', 'COMPOSER_BASE_IMAGE', 'MOODLE_COMMIT'] },
    phases: {
      pre_build: { commands: preBuild },
      build: {
        commands: [
          // docker-build.sh (in the image source): the release's PHP version, base images pinned to their digests, labels.
          '[ -f /tmp/image-exists ] || bash build/docker-build.sh "$REPOSITORY_URI:$IMAGE_TAG" .',
          '[ -f /tmp/image-exists ] || docker push "$REPOSITORY_URI:$IMAGE_TAG"',
          '[ ! -f /tmp/image-exists ] || bash build/docker-build.sh --record-of "$REPOSITORY_URI:$IMAGE_TAG"',
          'cat /tmp/moodle-image-build.env',
          'set -a; . /tmp/moodle-image-build.env; set +a',
        ],
      },
    },
  };
}
