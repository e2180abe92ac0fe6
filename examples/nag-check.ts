import { App, Stack } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { IConstruct } from 'constructs';

/**
 * Every cdk-nag AwsSolutions finding in a stack that no `Validations.of(...).acknowledge` covers,
 * as `RuleId at LogicalId: description`.
 *
 * cdk-nag 3 as a synthesis plugin (`Validations.of(app).addPlugins(...)`) needs a newer aws-cdk-lib
 * than this library's minimum, so the examples call the pack directly on each stack.
 */
export function nagFindings(stack: Stack): string[] {
  const report = new AwsSolutionsChecks().validateScope(stack);
  return report.violations.flatMap((violation) =>
    violation.violatingResources.map((resource) => `${violation.ruleName} at ${resource.constructPath ?? resource.resourceLogicalId}: ${violation.description}`),
  );
}

/** Throws, listing them, if any stack of the app has an unacknowledged cdk-nag finding. */
export function failOnNagFindings(app: App): void {
  const stacks = app.node.findAll().filter((construct: IConstruct): construct is Stack => Stack.isStack(construct));
  const findings = stacks.flatMap((stack) => nagFindings(stack).map((finding) => `${stack.stackName}: ${finding}`));
  if (findings.length > 0) {
    throw new Error(`cdk-nag found ${findings.length} unacknowledged finding(s):\n${findings.join('\n')}`);
  }
  console.error(`cdk-nag: ${stacks.length} stack(s), 0 unacknowledged findings`);
}
