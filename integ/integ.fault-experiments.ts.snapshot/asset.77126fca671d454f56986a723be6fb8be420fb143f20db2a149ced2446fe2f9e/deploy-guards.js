'use strict';
// Custom resource handlers that keep a first deployment from failing late or leaving things behind:
//   Custom::MoodleAvailabilityZoneCheck     fails in the first seconds of a deployment when the load balancer's
//                                           Availability Zones include one where CloudFront VPC origins are not
//                                           available (AZ names map to different AZ IDs in each account).
//   Custom::MoodleDeletionProtectionGuard   when the stack's first creation fails and rolls back, turns off the
//                                           deletion protection of the database or load balancer it watches, so
//                                           CloudFormation can delete what it created instead of ending in
//                                           ROLLBACK_FAILED. In every other operation it does nothing.
//   Custom::MoodleEmptyBucketOnRollback     likewise empties a bucket (every object version) that got objects
//                                           during the failed first creation, so CloudFormation can delete it.
// Plain JavaScript shipped as it is in the npm package: no dependency beyond Node.js and the AWS SDK for
// JavaScript v3 that the Lambda Node.js runtime provides.

const { createEntryPoint, respond } = require('./cfn-response');

const ZONE_CHECK = 'Custom::MoodleAvailabilityZoneCheck';
const PROTECTION_GUARD = 'Custom::MoodleDeletionProtectionGuard';
const EMPTY_BUCKET = 'Custom::MoodleEmptyBucketOnRollback';

function list(value) {
  return Array.isArray(value) ? value.filter((item) => typeof item === 'string' && item !== '') : [];
}

/** The AZs (name and ID) the load balancer would use: the given names, or the given subnets' AZs. */
async function zonesInUse(clients, props) {
  const names = list(props.Zones);
  if (names.length > 0) {
    const answer = await clients.describeAvailabilityZones({ ZoneNames: names });
    return (answer.AvailabilityZones || []).map((zone) => ({ name: zone.ZoneName, id: zone.ZoneId, where: zone.ZoneName }));
  }
  const subnetIds = list(props.SubnetIds);
  if (subnetIds.length === 0) throw new Error('neither Zones nor SubnetIds is given');
  const answer = await clients.describeSubnets({ SubnetIds: subnetIds });
  return (answer.Subnets || []).map((subnet) => ({
    name: subnet.AvailabilityZone, id: subnet.AvailabilityZoneId, where: `${subnet.SubnetId} (${subnet.AvailabilityZone})`,
  }));
}

async function checkZones(clients, event) {
  const props = event.ResourceProperties || {};
  const physicalId = 'moodle-availability-zone-check';
  if (event.RequestType === 'Delete') return { PhysicalResourceId: event.PhysicalResourceId || physicalId };
  const unsupported = new Set(list(props.UnsupportedZoneIds));
  const zones = await zonesInUse(clients, props);
  const bad = zones.filter((zone) => unsupported.has(zone.id));
  if (bad.length > 0) {
    const all = await clients.describeAvailabilityZones({
      Filters: [{ Name: 'zone-type', Values: ['availability-zone'] }, { Name: 'state', Values: ['available'] }],
    });
    const usable = (all.AvailabilityZones || []).filter((zone) => !unsupported.has(zone.ZoneId)).map((zone) => zone.ZoneName).sort();
    const count = Math.max(2, zones.length);
    const example = usable.slice(0, count).map((name) => `'${name}'`).join(', ');
    const where = bad.map((zone) => `${zone.where}: AZ ID ${zone.id}`).join('; ');
    const fix = list(props.Zones).length > 0
      ? `Set MoodleNetwork's availabilityZones (network: { availabilityZones: [...] } in MoodleOnFargate) to ${count} of this account's AZs where they are: [${example}]`
      : `Give MoodleNetwork a vpc whose private subnets with egress are in AZs where they are; in this account: ${usable.join(', ')}`;
    throw new Error(
      `CloudFront VPC origins are not available in ${where} (this account's name for an AZ maps to its own AZ ID), ` +
      `and the load balancer would be there, so the CloudFront distribution would fail late in this deployment. ${fix}.`,
    );
  }
  return { PhysicalResourceId: physicalId, Data: { ZoneIds: zones.map((zone) => zone.id).join(',') } };
}

/**
 * Whether the stack is rolling back its first creation: ROLLBACK_IN_PROGRESS is that rollback only (an update
 * rolls back as UPDATE_ROLLBACK_IN_PROGRESS, a deletion is DELETE_IN_PROGRESS), so nothing in the stack has
 * ever served a site and nothing is lost.
 */
async function creationRollingBack(clients, event, target) {
  const stacks = await clients.describeStacks({ StackName: event.StackId });
  const status = stacks.Stacks && stacks.Stacks[0] && stacks.Stacks[0].StackStatus;
  if (status !== 'ROLLBACK_IN_PROGRESS') console.log(`${target} is left as it is (stack ${status})`);
  return status === 'ROLLBACK_IN_PROGRESS';
}

async function guardProtection(clients, event) {
  const props = event.ResourceProperties || {};
  const target = props.DbClusterIdentifier || props.DbInstanceIdentifier || props.LoadBalancerArn;
  if (!target) throw new Error('none of DbClusterIdentifier, DbInstanceIdentifier, LoadBalancerArn is given');
  if (event.RequestType !== 'Delete') return { PhysicalResourceId: `deletion-protection-guard:${target}` };
  if (!(await creationRollingBack(clients, event, target))) return { PhysicalResourceId: event.PhysicalResourceId };
  if (props.DbClusterIdentifier) {
    await clients.modifyDbCluster({ DBClusterIdentifier: props.DbClusterIdentifier, DeletionProtection: false, ApplyImmediately: true });
  } else if (props.DbInstanceIdentifier) {
    await clients.modifyDbInstance({ DBInstanceIdentifier: props.DbInstanceIdentifier, DeletionProtection: false, ApplyImmediately: true });
  } else {
    await clients.modifyLoadBalancerAttributes({
      LoadBalancerArn: props.LoadBalancerArn,
      Attributes: [{ Key: 'deletion_protection.enabled', Value: 'false' }],
    });
  }
  console.log(`the stack's creation is rolling back: deletion protection of ${target} turned off`);
  return { PhysicalResourceId: event.PhysicalResourceId };
}

async function emptyBucket(clients, event) {
  const bucket = (event.ResourceProperties || {}).BucketName;
  if (!bucket) throw new Error('BucketName is not given');
  if (event.RequestType !== 'Delete') return { PhysicalResourceId: `empty-bucket-on-rollback:${bucket}` };
  if (!(await creationRollingBack(clients, event, bucket))) return { PhysicalResourceId: event.PhysicalResourceId };
  let deleted = 0;
  let page = {};
  do {
    page = await clients.listObjectVersions({ Bucket: bucket, KeyMarker: page.NextKeyMarker, VersionIdMarker: page.NextVersionIdMarker });
    const objects = [...(page.Versions || []), ...(page.DeleteMarkers || [])].map((item) => ({ Key: item.Key, VersionId: item.VersionId }));
    if (objects.length > 0) {
      await clients.deleteObjects({ Bucket: bucket, Delete: { Objects: objects, Quiet: true } });
      deleted += objects.length;
    }
  } while (page.IsTruncated);
  console.log(`the stack's creation is rolling back: ${deleted} object versions deleted from ${bucket}`);
  return { PhysicalResourceId: event.PhysicalResourceId };
}

/** The handler for every resource type, given thin AWS clients (request -> response promise) so tests run without AWS. */
function createHandler(clients) {
  return async function handle(event) {
    switch (event.ResourceType) {
      case ZONE_CHECK: return checkZones(clients, event);
      case PROTECTION_GUARD: return guardProtection(clients, event);
      case EMPTY_BUCKET: return emptyBucket(clients, event);
      default: throw new Error(`unknown resource type ${event.ResourceType}`);
    }
  };
}

let entryPoint;
/** The Lambda handler. */
async function handler(event) {
  if (!entryPoint) {
    // Loaded lazily: the SDK is in the Lambda runtime, not in this package's dependencies.
    const ec2 = require('@aws-sdk/client-ec2');
    const cfn = require('@aws-sdk/client-cloudformation');
    const rds = require('@aws-sdk/client-rds');
    const elb = require('@aws-sdk/client-elastic-load-balancing-v2');
    const s3 = require('@aws-sdk/client-s3');
    const ec2Client = new ec2.EC2Client({});
    const cfnClient = new cfn.CloudFormationClient({});
    const rdsClient = new rds.RDSClient({});
    const elbClient = new elb.ElasticLoadBalancingV2Client({});
    const s3Client = new s3.S3Client({});
    entryPoint = createEntryPoint('Moodle deploy guard', createHandler({
      describeAvailabilityZones: (input) => ec2Client.send(new ec2.DescribeAvailabilityZonesCommand(input)),
      describeSubnets: (input) => ec2Client.send(new ec2.DescribeSubnetsCommand(input)),
      describeStacks: (input) => cfnClient.send(new cfn.DescribeStacksCommand(input)),
      modifyDbCluster: (input) => rdsClient.send(new rds.ModifyDBClusterCommand(input)),
      modifyDbInstance: (input) => rdsClient.send(new rds.ModifyDBInstanceCommand(input)),
      modifyLoadBalancerAttributes: (input) => elbClient.send(new elb.ModifyLoadBalancerAttributesCommand(input)),
      listObjectVersions: (input) => s3Client.send(new s3.ListObjectVersionsCommand(input)),
      deleteObjects: (input) => s3Client.send(new s3.DeleteObjectsCommand(input)),
    }), respond);
  }
  return entryPoint(event);
}

module.exports = { ZONE_CHECK, PROTECTION_GUARD, EMPTY_BUCKET, createHandler, handler };
