import { Construct, IConstruct } from 'constructs';
import { IMoodleDeployTarget } from '../contracts/deploy-target';

/** The fields of an IMoodleDeployTarget: what MoodleService hands over. */
export type DeployTargetFields = Omit<IMoodleDeployTarget, keyof IConstruct>;

// The class gets its fields from this interface (declaration merging), so they are written once, in the contract.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export interface ServiceDeployTarget extends DeployTargetFields {}

/** What a MoodlePipeline needs from a MoodleService whose image it manages; it creates no resources. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class ServiceDeployTarget extends Construct implements IMoodleDeployTarget {
  constructor(scope: Construct, id: string, fields: DeployTargetFields) {
    super(scope, id);
    Object.assign(this, fields);
  }
}
