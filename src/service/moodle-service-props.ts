import { Duration, Size, TimeZone } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { MoodlePlugin } from './moodle-plugin';
import type { MoodleService } from './moodle-service';
import { MoodleSiteImport } from './moodle-site-import';
import { IMoodleCache } from '../contracts/cache';
import { IMoodleData } from '../contracts/data';
import { IMoodleEdge } from '../contracts/edge';
import { IMoodleMail } from '../contracts/mail';
import { IMoodleNetwork } from '../contracts/network';
// For the documentation's links only.

/**
 * A scheduled change of the web service's task count bounds, for example more tasks during exam weeks.
 */
export interface MoodleScheduledScaling {
  /**
   * When the change happens: `appscaling.Schedule.cron({...})` (6-field cron), `Schedule.at(date)` or
   * `Schedule.rate(duration)`.
   */
  readonly schedule: appscaling.Schedule;
  /**
   * The web service's minimum task count from then on.
   *
   * @default - unchanged
   */
  readonly minCapacity?: number;
  /**
   * The web service's maximum task count from then on.
   *
   * @default - unchanged
   */
  readonly maxCapacity?: number;
  /**
   * Time zone of a cron or at schedule.
   *
   * @default - UTC
   */
  readonly timeZone?: TimeZone;
}

/**
 * Options of a {@link MoodleService}: everything but the parts it is wired to.
 */
export interface MoodleServiceOptions {
  /**
   * Email address of the Moodle administrator created by the first install (change it later in Moodle).
   *
   * @default - `admin@` and the site's host name (a warning at synth asks for a real address)
   */
  readonly adminEmail?: string;

  /**
   * User name of the Moodle administrator created by the first install. Its password is generated in
   * Secrets Manager ({@link MoodleService.adminSecret}).
   *
   * @default 'admin'
   */
  readonly adminUser?: string;

  /**
   * Full name of the site, set by the first install (change it later in Moodle).
   *
   * @default 'Moodle'
   */
  readonly siteFullName?: string;

  /**
   * Short name of the site, set by the first install.
   *
   * @default 'moodle'
   */
  readonly siteShortName?: string;

  /**
   * CPU architecture of every task (and of the image build). Both run on on-demand Fargate and on Fargate
   * Spot (Linux ARM64 tasks on platform version 1.4.0 or later, which every Moodle task uses).
   *
   * @default ecs.CpuArchitecture.ARM64
   */
  readonly cpuArchitecture?: ecs.CpuArchitecture;

  /**
   * CPU units of a web task (1024 = 1 vCPU); with `memory`, one of Fargate's task sizes.
   *
   * @default 1024
   */
  readonly cpu?: number;

  /**
   * Memory of a web task; with `cpu`, one of Fargate's task sizes. Also sizes Apache's worker count.
   *
   * @default Size.gibibytes(2)
   */
  readonly memory?: Size;

  /**
   * CPU units of the cron task (1024 = 1 vCPU).
   *
   * @default 512
   */
  readonly cronCpu?: number;

  /**
   * Memory of the cron task.
   *
   * @default Size.gibibytes(1)
   */
  readonly cronMemory?: Size;

  /**
   * CPU units of the one-off install/upgrade task (1024 = 1 vCPU); with `installMemory`, one of Fargate's task
   * sizes. The task runs for minutes per deployment, so it is sized for speed rather than like a web task: a first
   * install is mostly PHP on one core, measured on the local site at 47 s with 1 vCPU and 146 s with 0.25 vCPU
   * (`npx projen benchmark:install`; on AWS add the database's network round trips).
   *
   * @default 1024
   */
  readonly installCpu?: number;

  /**
   * Memory of the one-off install/upgrade task; with `installCpu`, one of Fargate's task sizes.
   *
   * @default Size.gibibytes(2)
   */
  readonly installMemory?: Size;

  /**
   * Web tasks that always run on on-demand `FARGATE` (the capacity provider strategy's base), at least 1.
   *
   * @default 1
   */
  readonly onDemandBase?: number;

  /**
   * Weight of on-demand `FARGATE` for the tasks above the base.
   *
   * @default 0
   */
  readonly onDemandWeight?: number;

  /**
   * Weight of `FARGATE_SPOT` for the tasks above the base.
   *
   * @default 1
   */
  readonly spotWeight?: number;

  /**
   * Whether the cron task runs on `FARGATE_SPOT` instead of on-demand `FARGATE`. Cron tolerates an
   * interruption: ECS starts a new task, and `cron.php --keep-alive` picks up the scheduled tasks that are
   * due (a task cut short runs again at its next time).
   *
   * @default false
   */
  readonly cronSpot?: boolean;

  /**
   * While no web request has reached Moodle for 40 minutes (Moodle's `maxeditingtime`, 30 minutes, which a forum post
   * must reach before it is mailed, plus one 10-minute keep-alive run), cron runs once per this interval instead of
   * holding a database connection all the time (`cron.php --keep-alive`), so a database that pauses when
   * nobody is connected (Aurora Serverless v2 at 0 ACU) can pause. The first web request makes cron run every
   * minute again within 30 seconds. Deciding reads a file's age on EFS, never the database. Scheduled tasks
   * of an idle site (reminders, clean-ups) run late by up to this interval.
   *
   * Give it to let an existing database that pauses (given as `data`) pause. From 15 minutes to 23 hours 30 minutes
   * (what MoodleMonitoring's cron alarm can wait for), and longer than the database's `autoPauseAfter`.
   *
   * @default - 4 hours when `data.autoPauseAfter` is set (the database pauses), else cron never idles
   */
  readonly cronIdleInterval?: Duration;

  /**
   * Fewest web tasks (autoscaling lower bound, and the count the service starts with).
   *
   * @default 2
   */
  readonly minCapacity?: number;

  /**
   * Most web tasks (autoscaling upper bound).
   *
   * @default 10
   */
  readonly maxCapacity?: number;

  /**
   * Average CPU utilization of the web tasks that target tracking keeps.
   *
   * @default 60
   */
  readonly targetCpuUtilizationPercent?: number;

  /**
   * Load balancer requests per web task per minute that target tracking keeps (ALB RequestCountPerTarget).
   *
   * @default 600
   */
  readonly targetRequestsPerTask?: number;

  /**
   * Scheduled changes of the task count bounds (exam weeks, term start).
   *
   * @default - none
   */
  readonly scheduledScaling?: MoodleScheduledScaling[];

  /**
   * How long ECS ignores failing load balancer health checks of a new web task. At most 1 hour.
   *
   * @default Duration.minutes(2)
   */
  readonly healthCheckGracePeriod?: Duration;

  /**
   * The Moodle release the image is built from: a release of the image's release table
   * (`src/image/moodle-releases.json`, listed in the README), each pinned to its commit of github.com/moodle/moodle
   * and built on the PHP version the table names. A release past its security support synthesizes with a warning.
   * Only with the image MoodleService builds (not with `image`).
   *
   * @default - the newest release of the newest LTS branch in the table: 'v5.3.0' (Moodle 5.3 LTS)
   */
  readonly moodleVersion?: string;

  /**
   * The digest (`sha256:` and 64 hex digits) of the PHP base image to build on, instead of the digest the
   * build resolves its tag (`php:<version>-apache-trixie` on Amazon ECR Public) to. A new digest builds a
   * new image. Only with the image MoodleService builds (not with `image`).
   *
   * @default - the tag's digest at build time, recorded in the image's labels and in `baseImageReference`
   */
  readonly baseImageDigest?: string;

  /**
   * Moodle plugins baked into the image, each pinned (a sha256 or a git commit) and placed where the Moodle tree
   * being built puts its type (its `lib/components.json`, a parent's `db/subplugins.json`): `MoodlePlugin.fromMarketplace`,
   * `fromZip`, `fromGit` or `fromFolder`. The build fails, naming the plugin, on a checksum or commit that is not the
   * pinned one, a `version.php` whose component is not the listed name, a Moodle release the plugin does not support or
   * a missing dependency. A changed list builds a new image, whose install/upgrade step installs new plugins and
   * upgrades changed ones (and refuses, with the site left as it was, a plugin older than the site's). Taking a plugin
   * out of the list leaves it "missing from disk": uninstall it first with `uninstallPlugins`. Only with the image
   * MoodleService builds (not with `image`); with `pipelineManagedImage`, only the first images: then the pipeline
   * source's `plugins/plugins.json` is the list.
   *
   * @default - no plugins beyond Moodle's own
   */
  readonly plugins?: MoodlePlugin[];

  /**
   * Plugins (component names) the install/upgrade step uninstalls with Moodle's `admin/cli/uninstall_plugins.php
   * --run` (their data and settings deleted), while their code is still in the image: keep each in `plugins` until
   * a deploy has run the step, then take it out of both lists. A plugin Moodle cannot uninstall (another plugin
   * depends on it, or it is one of Moodle's standard plugins) fails the step.
   *
   * @default - none
   */
  readonly uninstallPlugins?: string[];

  /**
   * An existing site to bring in on the first deploy (a database dump and a moodledata archive in S3): a one-off task
   * loads both before the install/upgrade step, which then upgrades the site to the image's release (or refuses,
   * naming the release to step through) instead of installing a new one. The task runs again only when the bucket or
   * a key changes, and never onto a site with data unless `replaceExistingSite` is set. Needs a database MoodleData
   * creates (the load runs as its master user).
   *
   * @default - a new, empty site is installed
   */
  readonly importSite?: MoodleSiteImport;

  /**
   * The bucket the export task writes to (`exports/<time>/database.sql.gz`, `moodledata.tar.gz`, `manifest.json`).
   *
   * @default - a bucket is created: encrypted, versioned, TLS only, retained when the stack is deleted
   */
  readonly exportBucket?: s3.IBucket;

  /**
   * A ready Moodle image to run instead of building the shipped Dockerfile. It must keep the contract of
   * the shipped image (port 8080, /healthz.php, MOODLE_* environment variables, roles), including the
   * install-or-upgrade role's first step: create Moodle's database user from `MOODLE_DB_ADMIN_USER` and
   * `MOODLE_DB_ADMIN_PASSWORD` (see src/image/README.md). An image built `FROM` the shipped one does.
   *
   * @default - the shipped Dockerfile is built by CodeBuild at deploy time and pushed to a new ECR repository
   */
  readonly image?: ecs.ContainerImage;

  /**
   * Whether a `MoodlePipeline` rolls out new images. The first deploy still builds the shipped Dockerfile
   * (tag `bootstrap-<architecture>`, built once); from then on the tasks run the tag the pipeline writes into
   * {@link MoodleService.imageTagParameter}, read at deploy time, so a later `cdk deploy` never puts an older
   * image back. Pass {@link MoodleService.deployTarget} to the pipeline.
   *
   * @default false
   */
  readonly pipelineManagedImage?: boolean;

  /**
   * Outgoing mail: Moodle sends through this SMTP server (for example a `MoodleMail`, Amazon SES), with the
   * credentials injected as ECS secrets.
   *
   * @default - no SMTP: Moodle uses PHP's mail(), which a Fargate task cannot deliver
   */
  readonly mail?: IMoodleMail;

  /**
   * Docker Hub credentials (JSON with `username` and `password`): the image build logs in to Docker Hub
   * before it builds. The shipped Dockerfile pulls nothing from Docker Hub (its PHP and composer images
   * come from Amazon ECR Public), so it needs none.
   *
   * @default - no Docker Hub login
   * @deprecated the shipped Dockerfile no longer pulls from Docker Hub; the login has no effect on its build
   */
  readonly dockerHubSecret?: secretsmanager.ISecret;

  /**
   * How long the tasks' logs are kept in CloudWatch Logs.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * Whether operators can open a shell in web and cron tasks with ECS Exec. ECS Exec's agent writes to the
   * container's root file system, so it needs `readonlyRootFilesystem: false`.
   *
   * @default false
   */
  readonly enableExecuteCommand?: boolean;

  /**
   * Whether every container's root file system is read-only. The shipped image writes only to the paths it
   * declares as volumes (config.php and PHP settings, Moodle's local cache, /tmp, Apache's run and lock
   * directories), which get task-local volumes, and to moodledata on EFS. Set it to false only for ECS Exec
   * (its agent writes to the root file system) or for a custom `image` that writes elsewhere.
   *
   * @default - true; false with `enableExecuteCommand: true`
   */
  readonly readonlyRootFilesystem?: boolean;
}

/**
 * Properties of a {@link MoodleService}.
 */
export interface MoodleServiceProps extends MoodleServiceOptions {
  /** Where the tasks run: the application subnets of the network. */
  readonly network: IMoodleNetwork;
  /** The database and the `moodledata` file system. */
  readonly data: IMoodleData;
  /** The Valkey/Redis cache for sessions and Moodle's application cache (MUC). */
  readonly cache: IMoodleCache;
  /** The public URL (Moodle's `wwwroot`, https) and the load balancer target group of the web tasks. */
  readonly edge: IMoodleEdge;
}
