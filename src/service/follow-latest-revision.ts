import * as ecs from 'aws-cdk-lib/aws-ecs';

/**
 * Points a service at its task definition family's latest revision, so a CloudFormation update of the service
 * never sends it back to the revision CloudFormation registered before the pipeline registered its own. A new
 * revision registered by CloudFormation (a configuration change) still rolls out: its ARN is the service's
 * force-deployment nonce.
 */
export function followLatestRevision(service: ecs.FargateService, taskDefinition: ecs.TaskDefinition): void {
  const cfnService = service.node.defaultChild as ecs.CfnService;
  cfnService.taskDefinition = taskDefinition.family;
  cfnService.forceNewDeployment = { enableForceNewDeployment: true, forceNewDeploymentNonce: taskDefinition.taskDefinitionArn };
}
