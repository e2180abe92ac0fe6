// Prints the fixed monthly cost (us-east-1 list prices) of each MoodleOnFargate preset, from synthesized
// templates, as the Markdown table the README shows.
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { MoodleOnFargate, MoodlePreset } from '../../src';
import { OFFLINE_ACCOUNT, offlineContext } from '../offline-context';
import { siteCostLines } from './site-cost-lines';
import { totalMonthlyUsd } from './template-cost';

const targets: Record<MoodlePreset, number> = { [MoodlePreset.DEVELOPMENT]: 45, [MoodlePreset.PRODUCTION]: 275 };

/** The README's preset table: each preset's total and its line items, from a synthesized site. */
export function presetCostTable(): string {
  const rows = ['| preset | fixed monthly cost, us-east-1 | target | made of |', '| --- | ---: | ---: | --- |'];
  for (const preset of [MoodlePreset.DEVELOPMENT, MoodlePreset.PRODUCTION]) {
    const app = new App({ context: offlineContext(['us-east-1']) });
    const stack = new Stack(app, `Cost${preset}`, { env: { account: OFFLINE_ACCOUNT, region: 'us-east-1' } });
    new MoodleOnFargate(stack, 'Moodle', { preset });
    const lines = siteCostLines(Template.fromStack(stack).toJSON());
    const madeOf = lines.map((line) => `${line.count} × ${line.item} $${line.monthlyUsd.toFixed(2)}`).join('; ');
    rows.push(`| \`${preset}\` | $${totalMonthlyUsd(lines).toFixed(2)} | $${targets[preset]} | ${madeOf} |`);
  }
  return rows.join('\n');
}

if (require.main === module) console.log(presetCostTable());
