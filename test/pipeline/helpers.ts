import { Template } from 'aws-cdk-lib/assertions';

/** An IAM policy statement of the template, as synthesized. */
export interface Statement {
  readonly Sid?: string;
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

/** The statements of the policies whose logical id starts with `prefix`. */
export function statementsOf(template: Template, prefix: string): Statement[] {
  return Object.entries(template.findResources('AWS::IAM::Policy'))
    .filter(([logicalId]) => logicalId.startsWith(prefix))
    .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement as Statement[]);
}

/** Every policy statement of the template, with the logical id of its policy. */
export function allStatements(template: Template): Array<[string, Statement]> {
  return Object.entries(template.findResources('AWS::IAM::Policy'))
    .flatMap(([logicalId, policy]) => (policy.Properties.PolicyDocument.Statement as Statement[])
      .map((statement): [string, Statement] => [logicalId, statement]));
}

export function actionsOf(statement: Statement): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

export function resourcesOf(statement: Statement): unknown[] {
  return Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
}

/** The statements granting `action`. */
export function granting(statements: Statement[], action: string): Statement[] {
  return statements.filter((statement) => actionsOf(statement).includes(action));
}

/** The logical id of the only resource of `type` whose id starts with `prefix`. */
export function logicalIdOf(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  if (ids.length !== 1) throw new Error(`expected one ${type} starting with ${prefix}, found ${ids.join(', ') || 'none'}`);
  return ids[0];
}

/** The stages of the only pipeline: name and its actions (name, provider, run order). */
export function stagesOf(template: Template): Array<{ name: string; actions: Array<Record<string, any>> }> {
  const pipelines = Object.values(template.findResources('AWS::CodePipeline::Pipeline'));
  expect(pipelines).toHaveLength(1);
  return pipelines[0].Properties.Stages.map((stage: any) => ({ name: stage.Name, actions: stage.Actions }));
}

/** The buildspec of the CodeBuild project whose logical id starts with `prefix`, parsed. */
export function buildSpecOf(template: Template, prefix: string): any {
  const id = logicalIdOf(template, 'AWS::CodeBuild::Project', prefix);
  const source = template.toJSON().Resources[id].Properties.Source.BuildSpec;
  // Token values are Fn::Join parts; join the literal parts with a placeholder to parse the JSON.
  const text = typeof source === 'string' ? source : source['Fn::Join'][1].map((part: unknown) => (typeof part === 'string' ? part : 'TOKEN')).join('');
  return JSON.parse(text);
}
