import { dataTierCostLines } from './data-cost-lines';
import { serviceTierCostLines } from './service-cost-lines';
import { CfnTemplate, CostLine, fixedMonthlyCost } from './template-cost';

/** Every fixed monthly cost of a whole site's template: network and edge, data tier, service tier. */
export function siteCostLines(template: CfnTemplate): CostLine[] {
  return [...fixedMonthlyCost(template), ...dataTierCostLines(template), ...serviceTierCostLines(template)];
}
