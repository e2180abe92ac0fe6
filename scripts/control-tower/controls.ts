import * as fs from 'fs';
import * as path from 'path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';

/**
 * AWS Control Tower's proactive controls (the cfn-guard rules AWS ships in @cdklabs/cdk-validator-cfnguard)
 * over synthesized templates, and the checked-in acknowledgments of the controls a site fails on purpose.
 */

export const ACKNOWLEDGMENTS_FILE = path.join(__dirname, '..', '..', 'control-tower-acknowledgments.json');

/** One failed control on one resource of one template. */
export interface ControlFinding {
  /** Control Tower's id, for example CT.S3.PR.1. */
  readonly control: string;
  /** The cfn-guard rule name, for example s3_bucket_level_public_access_prohibited_check. */
  readonly rule: string;
  readonly title: string;
  readonly template: string;
  readonly logicalId: string;
  readonly resourceType: string;
}

/** Why a site fails a control on purpose: for every resource of a type, or only in the templates named. */
export interface ControlAcknowledgment {
  readonly control: string;
  readonly rule: string;
  readonly resourceType: string;
  /** Template file names (without .template.json) it is limited to; all templates when absent. */
  readonly templates?: string[];
  readonly reason: string;
}

export function readAcknowledgments(): ControlAcknowledgment[] {
  return JSON.parse(fs.readFileSync(ACKNOWLEDGMENTS_FILE, 'utf8')).acknowledgments;
}

/** Every failed control in the templates, one finding per control, resource and template. */
export function controlFindings(templatePaths: string[]): ControlFinding[] {
  const report = new CfnGuardValidator().validate({ templatePaths });
  const findings = new Map<string, ControlFinding>();
  for (const violation of report.violations) {
    const control = /^\[(CT\.[A-Z0-9]+\.PR\.\d+)\]/.exec(violation.description)?.[1] ?? violation.ruleName;
    const title = violation.description.replace(/^\[[^\]]+\]:\s*/, '');
    for (const resource of violation.violatingResources) {
      const logicalId = resource.resourceLogicalId ?? /^\/Resources\/([^/]+)/.exec(resource.locations[0] ?? '')?.[1] ?? '(template)';
      const template = path.basename(resource.templatePath).replace(/\.template\.json$/, '');
      const resources = JSON.parse(fs.readFileSync(resource.templatePath, 'utf8')).Resources ?? {};
      const resourceType = resources[logicalId]?.Type ?? '(template)';
      const finding = { control, rule: violation.ruleName, title, template, logicalId, resourceType };
      findings.set(JSON.stringify(finding), finding);
    }
  }
  return [...findings.values()];
}

export function acknowledgmentFor(finding: ControlFinding, acknowledgments: ControlAcknowledgment[]): ControlAcknowledgment | undefined {
  return acknowledgments.find((ack) => ack.rule === finding.rule && ack.resourceType === finding.resourceType &&
    (ack.templates === undefined || ack.templates.includes(finding.template)));
}

/** The templates the gate judges: every synthesized example and every committed integ snapshot. */
export function gateTemplates(projectDir: string): string[] {
  const under = (dir: string, match: (name: string) => boolean) => (fs.existsSync(dir) ? fs.readdirSync(dir) : [])
    .flatMap((entry) => {
      const full = path.join(dir, entry);
      return fs.statSync(full).isDirectory() ? fs.readdirSync(full).filter(match).map((file) => path.join(full, file)) : [];
    });
  const examples = under(path.join(projectDir, 'cdk.out', 'examples'), (file) => file.endsWith('.template.json'));
  const integ = under(path.join(projectDir, 'integ'), (file) => file.endsWith('.template.json') && !/Assertions\.template\.json$/.test(file));
  return [...examples, ...integ].sort();
}
