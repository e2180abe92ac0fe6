import * as fs from 'fs';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { nagFindings } from '../../examples/nag-check';
import { OFFLINE_ACCOUNT, offlineContext } from '../../scripts/offline-context';

/** Where the tests leave every template they checked, for `npx projen cfn-lint`. */
export const TEMPLATE_DIR = path.join(__dirname, '..', '.templates');

/**
 * The three checks every stack a test builds must pass, in one call:
 * - cdk-nag's AwsSolutions pack reports no unacknowledged finding;
 * - the template is written to test/.templates/<name>.json, where the test task runs cfn-lint over it;
 * - the template is returned for fine-grained assertions.
 */
export function checkStack(stack: Stack, name: string): Template {
  const template = Template.fromStack(stack);
  expect(nagFindings(stack)).toEqual([]);
  writeTemplateForCfnLint(name, template);
  return template;
}

function writeTemplateForCfnLint(name: string, template: Template): void {
  if (!/^[A-Za-z0-9-]+$/.test(name)) {
    throw new Error(`checkStack: template name '${name}' must be letters, digits and dashes`);
  }
  fs.mkdirSync(TEMPLATE_DIR, { recursive: true });
  fs.writeFileSync(path.join(TEMPLATE_DIR, `${name}.json`), JSON.stringify(template.toJSON(), undefined, 1));
}

/** A stack in a fixed account and region whose context answers the lookups (AZs, CloudFront prefix list). */
export function testStack(region = 'eu-west-1'): Stack {
  const account = OFFLINE_ACCOUNT;
  const app = new App({ context: offlineContext([region]) });
  return new Stack(app, 'Test', { env: { account, region } });
}
