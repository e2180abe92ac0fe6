import * as fs from 'fs';
import * as path from 'path';
import { ControlAcknowledgment, controlFindings, readAcknowledgments } from './controls';

const PRODUCTION_EXAMPLE = path.join('cdk.out', 'examples', 'production-domain');
const DEVELOPMENT_TEMPLATES = ['MoodleMinimal', 'MoodleWithPipeline', 'MoodleIntegMinimal', 'MoodleIntegFaults'];

/** Where an acknowledgment applies, in words a reader of the README knows. */
function scope(ack: ControlAcknowledgment, failedInProduction: Set<string>): string {
  if (!ack.templates) return failedInProduction.has(ack.control) ? 'every site' : 'some sites (not the production example)';
  if (ack.templates.every((template) => DEVELOPMENT_TEMPLATES.includes(template))) return '`DEVELOPMENT` sites';
  if (ack.templates.includes('MoodleProduction')) return 'sites with `mail` (SES)';
  if (ack.templates.length === 1 && ack.templates[0] === 'MoodleIntegProduction') return 'the integration test stack';
  if (ack.templates.includes('MoodleIntegProduction') && ack.templates.some((t) => DEVELOPMENT_TEMPLATES.includes(t))) {
    return ack.templates.includes('MoodleExistingVpcDatabase') ? 'sites without their own domain name' : '`DEVELOPMENT` sites and the integration tests';
  }
  return ack.templates.join(', ');
}

/**
 * The README's table of Control Tower proactive controls: how many the production example passes, and each
 * control a site fails on purpose, where, and why (from control-tower-acknowledgments.json).
 */
export function controlTowerTable(): string {
  const template = fs.readdirSync(PRODUCTION_EXAMPLE).find((file) => file.endsWith('.template.json'));
  if (!template) throw new Error(`No template in ${PRODUCTION_EXAMPLE}: run npx projen examples:synth first`);
  const failed = new Set(controlFindings([path.join(PRODUCTION_EXAMPLE, template)]).map((finding) => finding.control));
  const rulesDir = path.join(path.dirname(require.resolve('@cdklabs/cdk-validator-cfnguard/package.json')), 'rules', 'control-tower', 'cfn-guard');
  const total = fs.readdirSync(rulesDir).flatMap((service) => fs.readdirSync(path.join(rulesDir, service))).filter((file) => file.endsWith('.guard')).length;
  const rows = new Map<string, { scopes: Set<string>; reason: string }>();
  for (const ack of readAcknowledgments()) {
    const row = rows.get(ack.control) ?? { scopes: new Set<string>(), reason: ack.reason };
    row.scopes.add(scope(ack, failed));
    rows.set(ack.control, row);
  }
  const lines = [
    `The production example fails ${failed.size} of the ${total} controls, every one of them below; the others pass or do not apply.`,
    '',
    '| control | fails on | why |',
    '| --- | --- | --- |',
    ...[...rows.entries()].sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))
      .map(([control, row]) => `| ${control} | ${[...row.scopes].join('; ')} | ${row.reason.replace(/\|/g, '\\|')} |`),
  ];
  return lines.join('\n');
}
