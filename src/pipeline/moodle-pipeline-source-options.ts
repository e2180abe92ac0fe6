import * as codecommit from 'aws-cdk-lib/aws-codecommit';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as s3 from 'aws-cdk-lib/aws-s3';

/** Options of `MoodlePipelineSource.codeCommit`. */
export interface MoodleCodeCommitSourceOptions {
  /**
   * Name of the repository to create, seeded with the library's Moodle image source (1 to 100
   * letters, digits, `.`, `_` or `-`, not ending in `.git`).
   *
   * @default - a name unique in the account, derived from the construct path
   */
  readonly repositoryName?: string;

  /**
   * An existing CodeCommit repository to build from instead of creating one. It must hold a
   * Dockerfile (see `buildDirectory` of the pipeline).
   *
   * @default - a repository is created and seeded
   */
  readonly repository?: codecommit.IRepository;

  /**
   * The branch to build.
   *
   * @default 'main'
   */
  readonly branch?: string;
}

/** Options of `MoodlePipelineSource.connection`. */
export interface MoodleConnectionSourceOptions {
  /**
   * ARN of an AWS CodeConnections connection (GitHub, GitLab, Bitbucket) whose handshake was completed
   * in the console: `arn:aws:codeconnections:<region>:<account>:connection/<uuid>` (or the older
   * `codestar-connections` service prefix).
   */
  readonly connectionArn: string;
  /** Owner of the repository: the GitHub user or organization, GitLab group, Bitbucket workspace. */
  readonly owner: string;
  /** Name of the repository. */
  readonly repo: string;
  /**
   * The branch to build.
   *
   * @default 'main'
   */
  readonly branch?: string;
}

/** Options of `MoodlePipelineSource.s3`. */
export interface MoodleS3SourceOptions {
  /** The bucket holding the source zip; it must be versioned. */
  readonly bucket: s3.IBucket;
  /** Key of the zip file (the image source: a Dockerfile at the root or in `buildDirectory`). */
  readonly key: string;
  /**
   * How the pipeline notices a new version of the object. `EVENTS` needs a CloudTrail trail that
   * records write data events on the bucket.
   *
   * @default actions.S3Trigger.POLL
   */
  readonly trigger?: actions.S3Trigger;
}

/** What a source gives the pipeline once bound. */
export interface MoodlePipelineSourceConfig {
  /** The source action of the pipeline's first stage. */
  readonly action: codepipeline.IAction;
  /** The CodeCommit repository, if the source is one (created or given). */
  readonly repository?: codecommit.IRepository;
}

