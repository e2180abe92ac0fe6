import { CfnOutput } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { MoodleCache, MoodleCacheOptions } from './cache';
import { MoodleData, MoodleDataOptions } from './data';
import { MoodleEdge, MoodleEdgeOptions } from './edge';
import { MoodleFaultExperiments, MoodleFaultExperimentsOptions } from './faults';
import { MoodleMail, MoodleMailProps } from './mail';
import { MoodleMonitoring, MoodleMonitoringOptions } from './monitoring';
import { MoodleNetwork, MoodleNetworkProps } from './network';
import { MoodlePipeline, MoodlePipelineOptions } from './pipeline';
import { MoodlePreset, resolveParts } from './presets';
import { check } from './private/validation';
import { withDefaults } from './private/with-defaults';
import { MoodleService, MoodleServiceOptions } from './service';

/**
 * Properties of a {@link MoodleOnFargate}. Every part's options pass through; the preset fills in what is
 * not given.
 */
export interface MoodleOnFargateProps {
  /**
   * Defaults for the whole site: sizes, Spot share, NAT layout, high availability, retention, deletion
   * protection and alarms. Any option given below wins over the preset.
   *
   * @default MoodlePreset.PRODUCTION
   */
  readonly preset?: MoodlePreset;

  /**
   * The network: a new VPC (options) or an existing one (`vpc`).
   *
   * @default - the preset's network
   */
  readonly network?: MoodleNetworkProps;

  /**
   * The database, moodledata on EFS and backups; an existing database through `existingInstance` or
   * `existingCluster` with `existingSecret`.
   *
   * @default - the preset's data tier
   */
  readonly data?: MoodleDataOptions;

  /**
   * The Valkey/Redis cache.
   *
   * @default - the preset's cache
   */
  readonly cache?: MoodleCacheOptions;

  /**
   * The load balancer, CloudFront, WAF, domain and certificates.
   *
   * @default - the preset's edge, on the CloudFront domain
   */
  readonly edge?: MoodleEdgeOptions;

  /**
   * The ECS cluster, web and cron services, install/upgrade task and image.
   *
   * @default - the preset's service
   */
  readonly service?: MoodleServiceOptions;

  /**
   * Outgoing mail through Amazon SES: a domain identity with DKIM records in the given zone and SMTP
   * credentials for Moodle.
   *
   * @default - no outgoing mail set up
   */
  readonly mail?: MoodleMailProps;

  /**
   * Whether to add a MoodlePipeline that builds and rolls out the image from a source repository.
   *
   * @default false
   */
  readonly pipeline?: boolean;

  /**
   * Options of the pipeline, when `pipeline` is true.
   *
   * @default - the pipeline's defaults (a CodeCommit repository seeded with the image source)
   */
  readonly pipelineOptions?: MoodlePipelineOptions;

  /**
   * Whether to create alarms, their SNS topic and a dashboard.
   *
   * @default - true with PRODUCTION, false with DEVELOPMENT
   */
  readonly monitoring?: boolean;

  /**
   * Options of the monitoring (for example an email address for the alarms).
   *
   * @default - no email subscription
   */
  readonly monitoringOptions?: MoodleMonitoringOptions;

  /**
   * Whether to create AWS FIS experiment templates that take out what the site should survive: a web task, the web
   * tasks of one Availability Zone, the database's primary, the cache nodes and the subnets of one Availability
   * Zone. Creating them changes nothing until you start one (`aws fis start-experiment`, see the stack outputs).
   *
   * @default false
   */
  readonly faultExperiments?: boolean;

  /**
   * Options of the fault experiments, when `faultExperiments` is true.
   *
   * @default - the experiments' defaults; the monitoring's 5xx alarm stops them when monitoring is on
   */
  readonly faultExperimentsOptions?: MoodleFaultExperimentsOptions;
}

/**
 * A whole Moodle site on AWS Fargate in a few lines: network, database and moodledata, cache, service,
 * edge, and optionally a pipeline and monitoring. It only composes the parts, which are exposed.
 */
export class MoodleOnFargate extends Construct {
  /** The preset the site was built with. */
  public readonly preset: MoodlePreset;
  /** The network. */
  public readonly network: MoodleNetwork;
  /** The database, moodledata and backups. */
  public readonly data: MoodleData;
  /** The cache. */
  public readonly cache: MoodleCache;
  /** The load balancer, CloudFront and WAF. */
  public readonly edge: MoodleEdge;
  /** The cluster, services and install/upgrade task. */
  public readonly service: MoodleService;
  /** Outgoing mail through SES, when asked for. */
  public readonly mail?: MoodleMail;
  /** The pipeline, when asked for. */
  public readonly pipeline?: MoodlePipeline;
  /** Alarms and dashboard, when on. */
  public readonly monitoring?: MoodleMonitoring;
  /** AWS FIS experiment templates, when asked for. */
  public readonly faultExperiments?: MoodleFaultExperiments;
  /** The public URL of the site. */
  public readonly siteUrl: string;

  constructor(scope: Construct, id: string, props: MoodleOnFargateProps = {}) {
    super(scope, id);
    this.preset = props.preset ?? MoodlePreset.PRODUCTION;
    const parts = resolveParts(this.preset, props);
    const wantsPipeline = props.pipeline ?? false;
    const wantsFaults = props.faultExperiments ?? false;
    check('MoodleOnFargate', [
      [!wantsPipeline && props.pipelineOptions !== undefined,
        'pipelineOptions is given but pipeline is not true. Set pipeline: true, or remove pipelineOptions.'],
      [wantsPipeline && props.service?.image !== undefined,
        'pipeline: true builds the image from the pipeline\'s source, but service.image supplies one. ' +
        'Remove service.image (put your changes in the pipeline\'s Dockerfile), or remove pipeline.'],
      [!parts.monitoring && props.monitoringOptions !== undefined,
        'monitoringOptions is given but monitoring is off. Set monitoring: true, or remove monitoringOptions.'],
      [!wantsFaults && props.faultExperimentsOptions !== undefined,
        'faultExperimentsOptions is given but faultExperiments is not true. Set faultExperiments: true, or remove faultExperimentsOptions.'],
      [props.mail !== undefined && props.service?.mail !== undefined,
        'both mail and service.mail are given. Give mail (SES set up for you) or service.mail (your own SMTP server), not both.'],
    ]);

    this.network = new MoodleNetwork(this, 'Network', parts.network);
    const network = this.network;
    this.data = new MoodleData(this, 'Data', { ...parts.data, network });
    this.cache = new MoodleCache(this, 'Cache', { ...parts.cache, network });
    this.edge = new MoodleEdge(this, 'Edge', { ...parts.edge, network });
    this.mail = props.mail ? new MoodleMail(this, 'Mail', props.mail) : undefined;
    this.service = new MoodleService(this, 'Service', {
      ...parts.service,
      pipelineManagedImage: wantsPipeline || props.service?.pipelineManagedImage,
      mail: this.mail ?? props.service?.mail,
      network,
      data: this.data,
      cache: this.cache,
      edge: this.edge,
    });
    this.siteUrl = this.edge.siteUrl;

    if (wantsPipeline) {
      this.pipeline = new MoodlePipeline(this, 'Pipeline', { ...props.pipelineOptions, target: this.service.deployTarget! });
    }
    if (parts.monitoring) {
      this.monitoring = new MoodleMonitoring(this, 'Monitoring', {
        ...props.monitoringOptions,
        edge: this.edge,
        service: this.service,
        data: this.data,
        cache: this.cache,
      });
    }
    if (wantsFaults) {
      const defaults: MoodleFaultExperimentsOptions = {
        logRetention: parts.service.logRetention,
        stopConditionAlarms: this.monitoring ? [this.monitoring.alarms.LoadBalancer5xx] : undefined,
      };
      this.faultExperiments = new MoodleFaultExperiments(this, 'FaultExperiments', {
        ...withDefaults(defaults, props.faultExperimentsOptions),
        network,
        webService: this.service.webService,
        databaseInstance: this.data.databaseInstance,
        databaseCluster: this.data.databaseCluster,
        cacheReplicationGroup: this.cache.replicationGroup,
      });
    }

    new CfnOutput(this, 'AdminUserName', { value: this.service.adminUser, description: 'Moodle administrator user name' });
    new CfnOutput(this, 'AdminSecretArn', {
      value: this.service.adminSecret.secretArn,
      description: 'Secrets Manager secret with the administrator password (aws secretsmanager get-secret-value --secret-id …)',
    });
    if (this.service.baseImageReference) {
      new CfnOutput(this, 'BaseImage', {
        value: this.service.baseImageReference,
        description: 'PHP base image the Moodle image was built on, with the digest the build pinned',
      });
    }
    new CfnOutput(this, 'ClusterName', { value: this.service.cluster.clusterName });
    new CfnOutput(this, 'WebServiceName', { value: this.service.webService.serviceName });
    new CfnOutput(this, 'CronServiceName', { value: this.service.cronService.serviceName });
  }
}
