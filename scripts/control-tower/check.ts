// The Control Tower proactive-controls gate: every example and integ template against the controls in
// @cdklabs/cdk-validator-cfnguard. Fails on a failed control that control-tower-acknowledgments.json does not
// acknowledge, and on an acknowledgment that matches nothing any more (so the file stays true).
// Run: npx projen control-tower (after npx projen examples:synth).
import * as path from 'path';
import { acknowledgmentFor, controlFindings, gateTemplates, readAcknowledgments } from './controls';

const projectDir = path.join(__dirname, '..', '..');
const templates = gateTemplates(projectDir);
if (templates.filter((file) => file.includes(`${path.sep}cdk.out${path.sep}`)).length === 0) {
  console.error('control-tower: no example template; run npx projen examples:synth first');
  process.exit(2);
}
const acknowledgments = readAcknowledgments();
const findings = controlFindings(templates);
const used = new Set<object>();
const unacknowledged = findings.filter((finding) => {
  const ack = acknowledgmentFor(finding, acknowledgments);
  if (ack) used.add(ack);
  return ack === undefined;
});
for (const finding of unacknowledged) {
  console.log(`UNACKNOWLEDGED ${finding.template}: ${finding.control} (${finding.rule}) on ${finding.resourceType} ${finding.logicalId}: ${finding.title}`);
}
const stale = acknowledgments.filter((ack) => !used.has(ack));
for (const ack of stale) console.log(`STALE acknowledgment (matches nothing now, remove it): ${ack.control} ${ack.rule} ${ack.resourceType}`);
const byTemplate = new Map<string, Set<string>>();
for (const finding of findings) byTemplate.set(finding.template, (byTemplate.get(finding.template) ?? new Set()).add(finding.control));
for (const [template, controls] of byTemplate) console.log(`${template}: ${controls.size} controls failed, all acknowledged unless listed above`);
console.log(`control-tower: ${templates.length} templates, ${findings.length} failed control checks, ${unacknowledged.length} unacknowledged, ` +
  `${acknowledgments.length - stale.length} acknowledgments used, ${stale.length} stale`);
process.exit(unacknowledged.length + stale.length > 0 ? 1 : 0);
