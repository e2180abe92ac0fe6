// Writes the generated parts of README.md: the architecture diagram of the default example
// (cdk.out/examples/minimal, run `npx projen example:synth` first), the preset cost and capacity tables and the Control Tower
// controls table (from cdk.out/examples/production-domain and control-tower-acknowledgments.json), and the Moodle releases
// the image builds (src/image/moodle-releases.json).
// `--check` fails instead when README.md is not current.
import * as fs from 'fs';
import { architectureDiagram } from './architecture-diagram';
import { releaseTable } from './release-table';
import { controlTowerTable } from '../control-tower/readme-table';
import { presetCostTable } from '../cost/preset-cost';
import { presetCapacityTable } from '../load/preset-capacity';

function defaultExampleTemplate(): object {
  const dir = 'cdk.out/examples/minimal';
  const file = fs.existsSync(dir) ? fs.readdirSync(dir).find((name) => name.endsWith('.template.json')) : undefined;
  if (!file) throw new Error(`No template in ${dir}: run npx projen example:synth first`);
  return JSON.parse(fs.readFileSync(`${dir}/${file}`, 'utf8'));
}

const blocks: Record<string, () => string> = {
  'architecture-diagram': () => `\`\`\`mermaid\n${architectureDiagram(defaultExampleTemplate())}\n\`\`\``,
  'preset-cost': () => presetCostTable(),
  'preset-capacity': () => presetCapacityTable(),
  'control-tower': () => controlTowerTable(),
  'moodle-releases': () => releaseTable(),
};

let readme = fs.readFileSync('README.md', 'utf8');
const original = readme;
for (const [name, render] of Object.entries(blocks)) {
  const pattern = new RegExp(`(<!-- ${name}:start[^>]*-->\\n)[\\s\\S]*?(<!-- ${name}:end -->)`);
  if (!pattern.test(readme)) throw new Error(`README.md has no <!-- ${name}:start --> … <!-- ${name}:end --> markers`);
  const content = render();
  readme = readme.replace(pattern, (_, start: string, end: string) => `${start}${content}\n${end}`);
}
if (process.argv.includes('--check')) {
  if (readme !== original) {
    console.error('README.md is stale (architecture diagram, preset cost or capacity table, Control Tower table, or Moodle release table): run npx projen docs:update and commit README.md');
    process.exit(1);
  }
  console.log('README.md generated parts are current');
} else {
  fs.writeFileSync('README.md', readme);
  console.log('README.md generated parts updated');
}
