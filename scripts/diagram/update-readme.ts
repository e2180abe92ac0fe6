// Writes the architecture diagram of the default example (cdk.out/examples/minimal) into README.md between markers.
// `--check` fails instead when the README's diagram is not the current one.
import * as fs from 'fs';
import { architectureDiagram } from './architecture-diagram';

const START = '<!-- architecture-diagram:start (npx projen docs:diagram) -->';
const END = '<!-- architecture-diagram:end -->';

const templateFile = fs.readdirSync('cdk.out/examples/minimal').find((file) => file.endsWith('.template.json'));
if (!templateFile) throw new Error('No template in cdk.out/examples/minimal: run npx projen example:synth first');
const template = JSON.parse(fs.readFileSync(`cdk.out/examples/minimal/${templateFile}`, 'utf8'));
const block = `${START}\n\`\`\`mermaid\n${architectureDiagram(template)}\n\`\`\`\n${END}`;

const readme = fs.readFileSync('README.md', 'utf8');
const pattern = new RegExp(`${START.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[\\s\\S]*?${END}`);
if (!pattern.test(readme)) throw new Error(`README.md has no diagram markers (${START} … ${END})`);
const updated = readme.replace(pattern, block);
if (process.argv.includes('--check')) {
  if (updated !== readme) {
    console.error('README.md architecture diagram is stale: run npx projen docs:diagram and commit README.md');
    process.exit(1);
  }
  console.log('README.md architecture diagram is current');
} else {
  fs.writeFileSync('README.md', updated);
  console.log('README.md architecture diagram updated');
}
