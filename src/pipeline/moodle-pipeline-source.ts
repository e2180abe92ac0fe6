import { Names } from 'aws-cdk-lib';
import * as codecommit from 'aws-cdk-lib/aws-codecommit';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { MoodleCodeCommitSourceOptions, MoodleConnectionSourceOptions, MoodleS3SourceOptions, MoodlePipelineSourceConfig } from './moodle-pipeline-source-options';
import { pipelineDefaults } from './pipeline-defaults';
import { IMAGE_SOURCE_DIR } from '../contracts/image-contract';
import { isLiteral, Validator } from '../private/validation';


/**
 * Where the pipeline gets the Moodle image source (Dockerfile and scripts) from.
 */
export abstract class MoodlePipelineSource {
  /**
   * A CodeCommit repository, created and seeded with the image source shipped in this library, or
   * an existing one.
   */
  public static codeCommit(options: MoodleCodeCommitSourceOptions = {}): MoodlePipelineSource {
    const branch = options.branch ?? pipelineDefaults.branch;
    const validator = new Validator('MoodlePipelineSource.codeCommit');
    validateBranch(validator, branch);
    validator.check(options.repository !== undefined && options.repositoryName !== undefined,
      'repositoryName names a repository to create, but an existing repository was given. Remove repositoryName, or remove repository to let the pipeline create one.',
    );
    if (options.repositoryName !== undefined) validateCodeCommitRepositoryName(validator, options.repositoryName);
    validator.throwIfAny();
    return new CodeCommitSource(options.repository, options.repositoryName, branch);
  }

  /**
   * A GitHub, GitLab or Bitbucket repository through an AWS CodeConnections connection. Create the
   * connection and complete its handshake in the console first (see docs/decisions/pipeline.md).
   */
  public static connection(options: MoodleConnectionSourceOptions): MoodlePipelineSource {
    const branch = options.branch ?? pipelineDefaults.branch;
    const validator = new Validator('MoodlePipelineSource.connection');
    validateConnectionArn(validator, options.connectionArn);
    validateNonEmpty(validator, 'owner', options.owner, 'the GitHub user or organization (GitLab group, Bitbucket workspace) that owns the repository');
    validateNonEmpty(validator, 'repo', options.repo, 'the repository name, without the owner');
    validateBranch(validator, branch);
    validator.throwIfAny();
    return new ConnectionSource(options.connectionArn, options.owner, options.repo, branch);
  }

  /** A zip file in a versioned S3 bucket. */
  public static s3(options: MoodleS3SourceOptions): MoodlePipelineSource {
    const validator = new Validator('MoodlePipelineSource.s3');
    validateNonEmpty(validator, 'key', options.key, 'the object key of the source zip, for example \'moodle-image.zip\'');
    validator.throwIfAny();
    return new S3Source(options.bucket, options.key, options.trigger);
  }

  /** A short name of the kind of source, for descriptions. */
  public abstract readonly kind: string;

  /**
   * Creates what the source needs in `scope` and returns the source action writing to `output`.
   *
   * @param scope the pipeline construct
   * @param output the artifact the source action writes
   * @param imageSourceDirectory the image source a created repository is seeded with (default: the shipped one)
   */
  public abstract bind(scope: Construct, output: codepipeline.Artifact, imageSourceDirectory?: string): MoodlePipelineSourceConfig;
}

class CodeCommitSource extends MoodlePipelineSource {
  public readonly kind = 'CodeCommit';
  constructor(
    private readonly existing: codecommit.IRepository | undefined,
    private readonly repositoryName: string | undefined,
    private readonly branch: string,
  ) {
    super();
  }

  public bind(scope: Construct, output: codepipeline.Artifact, imageSourceDirectory: string = IMAGE_SOURCE_DIR): MoodlePipelineSourceConfig {
    const repository = this.existing ?? new codecommit.Repository(scope, 'Repository', {
      repositoryName: this.repositoryName ?? Names.uniqueResourceName(scope, { maxLength: 100, separator: '-' }),
      description: 'Moodle container image source (Dockerfile and start-up scripts), built by the Moodle pipeline',
      code: codecommit.Code.fromDirectory(imageSourceDirectory, this.branch),
    });
    return {
      repository,
      action: new actions.CodeCommitSourceAction({
        actionName: 'Source',
        repository,
        branch: this.branch,
        output,
        trigger: actions.CodeCommitTrigger.EVENTS,
      }),
    };
  }
}

class ConnectionSource extends MoodlePipelineSource {
  public readonly kind = 'CodeConnections';
  constructor(
    private readonly connectionArn: string,
    private readonly owner: string,
    private readonly repo: string,
    private readonly branch: string,
  ) {
    super();
  }

  public bind(scope: Construct, output: codepipeline.Artifact): MoodlePipelineSourceConfig {
    // The action grants codestar-connections:UseConnection; connections created since 2024 carry the
    // codeconnections prefix, so the role may use the connection under either name.
    const role = new iam.Role(scope, 'SourceActionRole', { assumedBy: new iam.AccountRootPrincipal() });
    role.addToPolicy(new iam.PolicyStatement({
      actions: ['codeconnections:UseConnection'],
      resources: [this.connectionArn],
    }));
    return {
      action: new actions.CodeStarConnectionsSourceAction({
        actionName: 'Source',
        connectionArn: this.connectionArn,
        owner: this.owner,
        repo: this.repo,
        branch: this.branch,
        output,
        role,
        triggerOnPush: true,
      }),
    };
  }
}

class S3Source extends MoodlePipelineSource {
  public readonly kind = 'S3';
  constructor(
    private readonly bucket: s3.IBucket,
    private readonly key: string,
    private readonly trigger: actions.S3Trigger | undefined,
  ) {
    super();
  }

  public bind(_scope: Construct, output: codepipeline.Artifact): MoodlePipelineSourceConfig {
    return {
      action: new actions.S3SourceAction({
        actionName: 'Source',
        bucket: this.bucket,
        bucketKey: this.key,
        output,
        trigger: this.trigger ?? actions.S3Trigger.POLL,
      }),
    };
  }
}

const CONNECTION_ARN = /^arn:aws(-cn|-us-gov|-iso|-iso-b)?:(codeconnections|codestar-connections):[a-z]{2}(-[a-z]+)+-\d:\d{12}:connection\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function validateConnectionArn(validator: Validator, arn: string): void {
  validator.check(isLiteral(arn) && !CONNECTION_ARN.test(arn),
    `connectionArn '${arn}' is not the ARN of a connection. Give the ARN shown in the console under Developer Tools > Settings > Connections, `
    + 'like arn:aws:codeconnections:eu-west-1:123456789012:connection/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d (create the connection and complete its handshake first).',
  );
}

/** Git's rules for a branch name (git check-ref-format --branch), in short. */
export function branchProblem(branch: string): string | undefined {
  if (branch.length === 0) return 'is empty';
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(branch)) return 'contains a space, a control character or one of ~ ^ : ? * [ \\';
  if (branch.includes('..')) return 'contains ..';
  if (branch.includes('@{')) return 'contains @{';
  if (branch.includes('//')) return 'contains //';
  if (branch.startsWith('/') || branch.endsWith('/')) return 'starts or ends with /';
  if (branch.startsWith('-')) return 'starts with -';
  if (branch.endsWith('.') || branch.endsWith('.lock')) return 'ends with . or .lock';
  if (branch === '@') return 'is @';
  if (branch.split('/').some((part) => part.startsWith('.'))) return 'has a component starting with .';
  return undefined;
}

function validateBranch(validator: Validator, branch: string): void {
  const problem = isLiteral(branch) ? branchProblem(branch) : undefined;
  validator.check(problem !== undefined,
    `branch '${branch}' ${problem}, so it is not a valid git branch name. Give the name of an existing branch, for example 'main' (the default when branch is omitted).`,
  );
}

function validateCodeCommitRepositoryName(validator: Validator, name: string): void {
  if (!isLiteral(name)) return;
  let problem: string | undefined;
  if (name.length < 1 || name.length > 100) problem = `is ${name.length} characters long (1 to 100 allowed)`;
  else if (!/^[\w.-]+$/.test(name)) problem = 'contains characters other than letters, digits, ., _ and -';
  else if (name.toLowerCase().endsWith('.git')) problem = 'ends in .git';
  validator.check(problem !== undefined,
    `repositoryName '${name}' ${problem}, which CodeCommit refuses. Use 1 to 100 letters, digits, '.', '_' or '-', not ending in '.git' (for example 'moodle-image'), or omit repositoryName to get a generated unique name.`,
  );
}

function validateNonEmpty(validator: Validator, prop: string, value: string, what: string): void {
  validator.check(isLiteral(value) && value.trim().length === 0, `${prop} is empty. Give ${what}.`);
}
