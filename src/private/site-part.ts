import { Construct } from 'constructs';
import { retainExceptOnCreate } from './retain-except-on-create';
import { IMoodleNetwork } from '../contracts/network';

/**
 * What every part on the network shares: nothing slow starts before the network's deploy-time checks (its
 * Availability Zones) passed, and a failed first deployment leaves nothing behind (retainExceptOnCreate).
 */
export function startAfterDeployChecks(part: Construct, network: IMoodleNetwork): void {
  retainExceptOnCreate(part);
  if (network.deployChecks) part.node.addDependency(network.deployChecks);
}
