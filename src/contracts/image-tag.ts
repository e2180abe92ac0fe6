import { CfnDynamicReference, CfnDynamicReferenceService } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as ssm from 'aws-cdk-lib/aws-ssm';

/**
 * How a task definition reads the Moodle image tag that a `MoodlePipeline` owns: through a
 * CloudFormation dynamic reference to the tag parameter, resolved at deploy time. A later
 * `cdk deploy` therefore registers task definitions with the tag the pipeline last wrote,
 * never with a tag frozen in the template.
 */
export class MoodleImageTag {
  /**
   * The Moodle image in `repository`, tagged with the current value of `tagParameter`.
   *
   * @param repository the ECR repository the pipeline pushes to
   * @param tagParameter the SSM parameter the pipeline writes the tag into
   */
  public static containerImage(repository: ecr.IRepository, tagParameter: ssm.IStringParameter): ecs.ContainerImage {
    return ecs.ContainerImage.fromEcrRepository(repository, MoodleImageTag.reference(tagParameter));
  }

  /**
   * `{{resolve:ssm:<parameter name>}}`: the parameter's value as CloudFormation reads it at deploy time.
   *
   * @param tagParameter the SSM parameter the pipeline writes the tag into
   */
  public static reference(tagParameter: ssm.IStringParameter): string {
    return new CfnDynamicReference(CfnDynamicReferenceService.SSM, tagParameter.parameterName).toString();
  }

  private constructor() {}
}
