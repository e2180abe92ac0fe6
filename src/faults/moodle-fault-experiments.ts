import { Annotations, Duration, Names, Tags, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import { Construct } from 'constructs';
import { FAULT_TARGET_TAG, faultDefaults, validateFaultDuration } from './fault-defaults';
import {
  allowCachePowerInterruption, allowClusterFailover, allowDisruptConnectivity, allowRebootInstance, allowStopTasks,
} from './fault-permissions';
import { MoodleFaultExperiment, MoodleFaultExperimentProps } from './moodle-fault-experiment';
import { IMoodleNetwork } from '../contracts/network';
import { isLiteral, Validator } from '../private/validation';

/**
 * Options of a {@link MoodleFaultExperiments}: everything but the parts it is wired to.
 */
export interface MoodleFaultExperimentsOptions {
  /**
   * The Availability Zone the zonal experiments take out (web tasks, cache nodes, subnets). One of the network's.
   *
   * @default - the first Availability Zone of the network's application subnets
   */
  readonly availabilityZone?: string;

  /**
   * How long the Availability Zone's subnets stay cut off (1 minute to 12 hours).
   *
   * @default Duration.minutes(5)
   */
  readonly networkDisruptionDuration?: Duration;

  /**
   * How long the cache nodes in the Availability Zone stay without power (1 minute to 12 hours).
   *
   * @default Duration.minutes(5)
   */
  readonly cachePowerInterruptionDuration?: Duration;

  /**
   * Alarms that stop a running experiment when one goes off: the signs that users are hurt.
   *
   * @default - no stop condition, with a warning (MoodleOnFargate gives the monitoring's 5xx alarm when monitoring is on)
   */
  readonly stopConditionAlarms?: cloudwatch.IAlarm[];

  /**
   * How long the experiment logs are kept.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * Properties of a {@link MoodleFaultExperiments}.
 */
export interface MoodleFaultExperimentsProps extends MoodleFaultExperimentsOptions {
  /** The network: its VPC's subnets in `availabilityZone` are cut off. */
  readonly network: IMoodleNetwork;
  /** The web service whose tasks are stopped. */
  readonly webService: ecs.IBaseService;

  /**
   * An RDS for MySQL instance to fail over (a reboot with failover to its standby). A created single-AZ instance
   * has no standby: its experiment is skipped.
   *
   * @default - no instance (give `databaseCluster` for Aurora)
   */
  readonly databaseInstance?: rds.IDatabaseInstance;

  /**
   * An Aurora MySQL cluster to fail over (a reader becomes the writer). A created cluster without a reader is
   * skipped.
   *
   * @default - no cluster
   */
  readonly databaseCluster?: rds.IDatabaseCluster;

  /**
   * The cache's replication group (node-based, Multi-AZ), whose nodes in `availabilityZone` lose power. It gets a
   * tag by which AWS FIS finds it. AWS FIS has no action for ElastiCache Serverless: leave this out for a
   * serverless cache, whose experiment is then skipped.
   *
   * @default - no replication group
   */
  readonly cacheReplicationGroup?: elasticache.CfnReplicationGroup;
}

/**
 * AWS FIS experiment templates that take out what a Moodle site should survive, each with its own least-privilege
 * role, an experiment log and a stack output to start it with:
 * - `stopOneWebTask`: stops one web task (`aws:ecs:stop-task`);
 * - `stopWebTasksInZone`: stops every web task in one Availability Zone;
 * - `databaseFailover`: fails the database over to its standby or reader (`aws:rds:reboot-db-instances` with
 *   `forceFailover`, or `aws:rds:failover-db-cluster`), when it has one;
 * - `cachePowerInterruption`: cuts the power of the cache nodes in one Availability Zone
 *   (`aws:elasticache:replicationgroup-interrupt-az-power`), for a node-based Multi-AZ cache only: AWS FIS has no
 *   action for ElastiCache Serverless;
 * - `zoneNetworkDisruption`: cuts the VPC's subnets in one Availability Zone off (`aws:network:disrupt-connectivity`,
 *   scope `all`). Every subnet of the VPC in that zone, also those of other workloads in an existing VPC.
 *
 * An experiment that does not apply is not created; `skippedExperiments` says why.
 */
export class MoodleFaultExperiments extends Construct {
  /** Stops one web task. */
  public readonly stopOneWebTask: MoodleFaultExperiment;
  /** Stops every web task in `availabilityZone`. */
  public readonly stopWebTasksInZone: MoodleFaultExperiment;
  /** Fails the database over, when it has a standby (Multi-AZ instance) or a reader (Aurora). */
  public readonly databaseFailover?: MoodleFaultExperiment;
  /** Cuts the power of the cache nodes in `availabilityZone`, for a node-based Multi-AZ cache. */
  public readonly cachePowerInterruption?: MoodleFaultExperiment;
  /** Cuts the VPC's subnets in `availabilityZone` off. */
  public readonly zoneNetworkDisruption: MoodleFaultExperiment;
  /** The Availability Zone the zonal experiments take out. */
  public readonly availabilityZone: string;
  /** Each experiment not created, by the name of its property, with the reason. */
  public readonly skippedExperiments: Record<string, string> = {};

  constructor(scope: Construct, id: string, props: MoodleFaultExperimentsProps) {
    super(scope, id);
    const { network, webService } = props;
    const zones = network.vpc.selectSubnets(network.applicationSubnets).availabilityZones;
    this.availabilityZone = props.availabilityZone ?? zones[0];
    const networkDuration = props.networkDisruptionDuration ?? faultDefaults.networkDisruptionDuration;
    const cacheDuration = props.cachePowerInterruptionDuration ?? faultDefaults.cachePowerInterruptionDuration;
    const validator = new Validator('MoodleFaultExperiments');
    validator.check(props.databaseInstance !== undefined && props.databaseCluster !== undefined,
      'both databaseInstance and databaseCluster are given. Give the one database the site uses.');
    validator.check(isLiteral(this.availabilityZone, ...zones) && !zones.includes(this.availabilityZone),
      () => `availabilityZone '${this.availabilityZone}' is not one of the network's Availability Zones (${zones.join(', ')}). Give one of them.`);
    validateFaultDuration(validator, 'networkDisruptionDuration', networkDuration);
    validateFaultDuration(validator, 'cachePowerInterruptionDuration', cacheDuration);
    validator.throwIfAny();

    // Descriptions end up in stack outputs, which CloudFormation takes as literals only.
    const zone = isLiteral(this.availabilityZone) ? this.availabilityZone : 'one Availability Zone';
    const common = { stopConditionAlarms: props.stopConditionAlarms, logRetention: props.logRetention ?? faultDefaults.logRetention };
    const experiment = (name: string, experimentProps: Omit<MoodleFaultExperimentProps, 'stopConditionAlarms' | 'logRetention'>) =>
      new MoodleFaultExperiment(this, name, { ...common, ...experimentProps });
    const webTasks = {
      resourceType: 'aws:ecs:task',
      parameters: { cluster: webService.cluster.clusterName, service: webService.serviceName },
    };

    this.stopOneWebTask = experiment('StopOneWebTask', {
      description: 'Moodle: stop one web task',
      action: { actionId: 'aws:ecs:stop-task', targetKey: 'Tasks' },
      target: { ...webTasks, selectionMode: 'COUNT(1)' },
    });
    allowStopTasks(this.stopOneWebTask, webService);

    this.stopWebTasksInZone = experiment('StopWebTasksInZone', {
      description: `Moodle: stop every web task in ${zone}`,
      action: { actionId: 'aws:ecs:stop-task', targetKey: 'Tasks' },
      target: { ...webTasks, filters: [{ path: 'AvailabilityZone', values: [this.availabilityZone] }] },
    });
    allowStopTasks(this.stopWebTasksInZone, webService);

    const instance = props.databaseInstance;
    const cluster = props.databaseCluster;
    const standby = instance ? instanceHasStandby(instance) : cluster ? clusterHasReader(cluster) : false;
    if (!instance && !cluster) {
      this.skip('databaseFailover', 'no databaseInstance or databaseCluster was given');
    } else if (standby === false) {
      this.skip('databaseFailover', instance
        ? 'the RDS for MySQL instance is single-AZ (multiAz: false): a reboot with failover needs a standby in another Availability Zone'
        : 'the Aurora cluster has no reader (reader: false): a failover needs a reader to promote');
    } else {
      if (standby === undefined) {
        Annotations.of(this).addInfo(`The database is imported, so whether it has a ${instance ? 'Multi-AZ standby' : 'reader'} is not known: ` +
          'its failover experiment is created, and AWS FIS reports an error when it runs without one.');
      }
      this.databaseFailover = instance
        ? experiment('DatabaseFailover', {
          description: 'Moodle: fail the database over to its standby (reboot with failover)',
          action: { actionId: 'aws:rds:reboot-db-instances', targetKey: 'DBInstances', parameters: { forceFailover: 'true' } },
          target: { resourceType: 'aws:rds:db', resourceArns: [instance.instanceArn] },
        })
        : experiment('DatabaseFailover', {
          description: 'Moodle: fail the Aurora cluster over to its reader',
          action: { actionId: 'aws:rds:failover-db-cluster', targetKey: 'Clusters' },
          target: { resourceType: 'aws:rds:cluster', resourceArns: [cluster!.clusterArn] },
        });
      if (instance) allowRebootInstance(this.databaseFailover, instance.instanceArn);
      else allowClusterFailover(this.databaseFailover, cluster!.clusterArn);
    }

    const group = props.cacheReplicationGroup;
    if (!group) {
      this.skip('cachePowerInterruption', 'no cacheReplicationGroup was given: AWS FIS has no action for ElastiCache Serverless');
    } else if (group.multiAzEnabled !== true) {
      this.skip('cachePowerInterruption', 'the replication group is not Multi-AZ (no replica to promote), which the action requires');
    } else {
      // AWS FIS identifies replication groups for this action by tag and Availability Zone, not by ARN.
      const tagValue = Names.uniqueId(this);
      Tags.of(group).add(FAULT_TARGET_TAG, tagValue);
      this.cachePowerInterruption = experiment('CachePowerInterruption', {
        description: `Moodle: cut the power of the cache nodes in ${zone}`,
        action: {
          actionId: 'aws:elasticache:replicationgroup-interrupt-az-power',
          targetKey: 'ReplicationGroups',
          parameters: { duration: cacheDuration.toIsoString() },
        },
        target: {
          resourceType: 'aws:elasticache:replicationgroup',
          resourceTags: { [FAULT_TARGET_TAG]: tagValue },
          parameters: { availabilityZoneIdentifier: this.availabilityZone },
        },
      });
      allowCachePowerInterruption(this.cachePowerInterruption, elasticache.CfnReplicationGroup.arnForReplicationGroup(group));
    }

    this.zoneNetworkDisruption = experiment('ZoneNetworkDisruption', {
      description: `Moodle: cut the subnets in ${zone} off for ${networkDuration.toHumanString()}`,
      action: {
        actionId: 'aws:network:disrupt-connectivity',
        targetKey: 'Subnets',
        parameters: { scope: 'all', duration: networkDuration.toIsoString() },
      },
      target: {
        resourceType: 'aws:ec2:subnet',
        parameters: { availabilityZoneIdentifier: this.availabilityZone, vpc: network.vpc.vpcId },
      },
    });
    allowDisruptConnectivity(this.zoneNetworkDisruption, network.vpc);
  }

  private skip(name: string, reason: string): void {
    this.skippedExperiments[name] = reason;
    Annotations.of(this).addInfo(`No ${name} experiment: ${reason}.`);
  }
}

/** Whether a created instance has a Multi-AZ standby; undefined when that is not known (an imported instance). */
function instanceHasStandby(instance: rds.IDatabaseInstance): boolean | undefined {
  const resource = instance.node.defaultChild;
  if (!(resource instanceof rds.CfnDBInstance) || Token.isUnresolved(resource.multiAz)) return undefined;
  return resource.multiAz === true;
}

/** Whether a cluster has a reader; undefined for an imported cluster given without its instance identifiers. */
function clusterHasReader(cluster: rds.IDatabaseCluster): boolean | undefined {
  try {
    return cluster.instanceIdentifiers.length > 1;
  } catch {
    return undefined;
  }
}
