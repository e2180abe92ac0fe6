import { Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import { MoodleFaultExperiment } from './moodle-fault-experiment';
import { acknowledge, wildcardResourceFinding } from '../private/acknowledge';

// What each AWS FIS action needs (fis-actions-reference and AWS's managed policies AWSFaultInjectionSimulator*Access,
// narrowed to this site's resources; sources in docs/decisions/faults.md). Describe and List calls AWS FIS resolves
// targets with stay on * (read-only, acknowledged by MoodleFaultExperiment).

function allow(experiment: MoodleFaultExperiment, actions: string[], resources: string[], conditions?: Record<string, unknown>): void {
  experiment.role.addToPolicy(new iam.PolicyStatement({ actions, resources, conditions }));
}

function allowOnWildcard(experiment: MoodleFaultExperiment, resource: string, reason: string): void {
  acknowledge(experiment.role, [wildcardResourceFinding(experiment, resource)], reason);
}

/** aws:ecs:stop-task on tasks of the service's cluster. */
export function allowStopTasks(experiment: MoodleFaultExperiment, service: ecs.IBaseService): void {
  const tasks = Stack.of(experiment).formatArn({ service: 'ecs', resource: 'task', resourceName: `${service.cluster.clusterName}/*` });
  allow(experiment, ['ecs:DescribeTasks', 'ecs:StopTask'], [tasks]);
  allow(experiment, ['ecs:ListTasks'], ['*'], { ArnEquals: { 'ecs:cluster': service.cluster.clusterArn } });
  allowOnWildcard(experiment, tasks, 'A task gets a new ID every time it starts: AWS FIS may describe and stop tasks of this site\'s cluster only, and its target picks the web service\'s.');
}

/** aws:rds:reboot-db-instances on one instance. */
export function allowRebootInstance(experiment: MoodleFaultExperiment, instanceArn: string): void {
  allow(experiment, ['rds:RebootDBInstance'], [instanceArn]);
  allow(experiment, ['rds:DescribeDBInstances'], ['*']);
}

/** aws:rds:failover-db-cluster on one cluster. */
export function allowClusterFailover(experiment: MoodleFaultExperiment, clusterArn: string): void {
  allow(experiment, ['rds:FailoverDBCluster'], [clusterArn]);
  allow(experiment, ['rds:DescribeDBClusters'], ['*']);
}

/** aws:elasticache:replicationgroup-interrupt-az-power on one replication group, found by its tag. */
export function allowCachePowerInterruption(experiment: MoodleFaultExperiment, replicationGroupArn: string): void {
  allow(experiment, ['elasticache:InterruptClusterAzPower'], [replicationGroupArn]);
  allow(experiment, ['elasticache:DescribeReplicationGroups', 'tag:GetResources'], ['*']);
}

/**
 * aws:network:disrupt-connectivity with scope `all`: AWS FIS clones each target subnet's network ACL (tagged
 * managedByFIS=true), adds deny entries, swaps the association and swaps it back at the end.
 */
export function allowDisruptConnectivity(experiment: MoodleFaultExperiment, vpc: ec2.IVpc): void {
  const stack = Stack.of(experiment);
  const networkAcls = stack.formatArn({ service: 'ec2', resource: 'network-acl', resourceName: '*' });
  const subnets = stack.formatArn({ service: 'ec2', resource: 'subnet', resourceName: '*' });
  const managedByFis = { 'aws:RequestTag/managedByFIS': 'true' };
  allow(experiment, ['ec2:CreateNetworkAcl'], [networkAcls], { StringEquals: managedByFis });
  allow(experiment, ['ec2:CreateNetworkAcl'], [vpc.vpcArn]);
  allow(experiment, ['ec2:CreateTags'], [networkAcls], { StringEquals: { 'ec2:CreateAction': 'CreateNetworkAcl', ...managedByFis } });
  allow(experiment, ['ec2:CreateNetworkAclEntry', 'ec2:DeleteNetworkAcl'], [networkAcls, vpc.vpcArn],
    { StringEquals: { 'ec2:ResourceTag/managedByFIS': 'true' } });
  allow(experiment, ['ec2:ReplaceNetworkAclAssociation'], [subnets, networkAcls], { ArnEquals: { 'ec2:Vpc': vpc.vpcArn } });
  allow(experiment, ['ec2:DescribeNetworkAcls', 'ec2:DescribeSubnets', 'ec2:DescribeVpcs'], ['*']);
  allowOnWildcard(experiment, networkAcls,
    'AWS FIS creates the network ACLs at run time: it may create, tag, add entries to and delete only ACLs tagged managedByFIS=true, and swap ACL associations only in this site\'s VPC.');
  allowOnWildcard(experiment, subnets, 'AWS FIS swaps the network ACL of the target subnets, which it finds at run time: only subnets of this site\'s VPC (condition ec2:Vpc).');
}
