import * as iam from 'aws-cdk-lib/aws-iam';

/**
 * Logs the build in to Amazon ECR Public, where the shipped Dockerfile pulls composer: authenticated pulls
 * are limited per account (10 a second) instead of per source address (1 a second, shared by CodeBuild's
 * customers). ECR Public's API is in us-east-1 only. A failed login leaves anonymous pulls, which still work.
 */
export const ECR_PUBLIC_LOGIN = 'aws ecr-public get-login-password --region us-east-1 | docker login --username AWS --password-stdin public.ecr.aws'
  + ' || echo "No Amazon ECR Public login: pulling from public.ecr.aws anonymously"';

/** What ECR_PUBLIC_LOGIN needs (neither action has resource-level permissions). */
export function grantEcrPublicPull(grantee: iam.IGrantable): void {
  grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['ecr-public:GetAuthorizationToken', 'sts:GetServiceBearerToken'],
    resources: ['*'],
  }));
}
