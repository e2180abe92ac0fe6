// Moodle's own JMeter test plan (admin/tool/generator), made to run against the local site, and JMeter's
// results summarized.

/**
 * The plan maketestplan.php writes only names the host. Here its requests go over https to the local edge
 * (a static DNS entry for the site's host), with CloudFront's origin response timeout as the client's.
 */
export function patchPlan(xml: string, options: { host: string; address: string; responseTimeoutMs: number }): string {
  let patched = xml
    .replace(/(<stringProp name="HTTPSampler\.protocol">)(<\/stringProp>)/g, '$1https$2')
    .replace(/(<stringProp name="HTTPSampler\.port">)(<\/stringProp>)/g, '$1443$2')
    .replace(/(<stringProp name="HTTPSampler\.connect_timeout">)(<\/stringProp>)/g, '$110000$2')
    .replace(/(<stringProp name="HTTPSampler\.response_timeout">)(<\/stringProp>)/g, `$1${options.responseTimeoutMs}$2`);
  const dns = [
    '<DNSCacheManager guiclass="DNSCachePanel" testclass="DNSCacheManager" testname="Local site" enabled="true">',
    '  <collectionProp name="DNSCacheManager.servers"/>',
    '  <collectionProp name="DNSCacheManager.hosts">',
    `    <elementProp name="${options.host}" elementType="StaticHost">`,
    `      <stringProp name="StaticHost.Name">${options.host}</stringProp>`,
    `      <stringProp name="StaticHost.Address">${options.address}</stringProp>`,
    '    </elementProp>',
    '  </collectionProp>',
    '  <boolProp name="DNSCacheManager.clearEachIteration">false</boolProp>',
    '  <boolProp name="DNSCacheManager.isCustomResolver">true</boolProp>',
    '</DNSCacheManager>',
    '<hashTree/>',
  ].join('\n');
  // Moodle's plan also feeds a BeanShell results recorder of its comparison tool (recorder.bsf), not shipped.
  patched = patched.replace(/<BeanShellListener([^>]*) enabled="true">/g, '<BeanShellListener$1 enabled="false">');
  // ... and a data writer into runs_samples/ of the working directory: the benchmark writes its own results.
  patched = patched.replace(/<ResultCollector([^>]*testname="Simple Data Writer"[^>]*) enabled="true">/g, '<ResultCollector$1 enabled="false">');
  // Right after the plan-wide throughput timer, so it applies to every thread group.
  const timerEnd = /(<\/ConstantThroughputTimer>\s*<hashTree\/>)/;
  if (!timerEnd.test(patched)) throw new Error('the test plan has no ConstantThroughputTimer: not a plan of admin/tool/generator');
  patched = patched.replace(timerEnd, `$1\n${dns}`);
  return patched;
}

export interface SamplerFigures {
  readonly label: string;
  readonly requests: number;
  readonly errors: number;
  readonly medianMs: number;
  readonly p95Ms: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Per sampler and in total, from a CSV .jtl (JMeter's default columns); throughput over the run's span. */
export function summarize(jtl: string): { samplers: SamplerFigures[]; total: SamplerFigures; throughputPerSecond: number } {
  const [header, ...rows] = jtl.trim().split('\n');
  const columns = header.split(',');
  const index = (name: string) => {
    const i = columns.indexOf(name);
    if (i < 0) throw new Error(`the results have no ${name} column`);
    return i;
  };
  const [timeStamp, elapsed, label, success] = ['timeStamp', 'elapsed', 'label', 'success'].map(index);
  const samples = rows.map((row) => row.split(',')).filter((cells) => cells.length >= columns.length)
    .map((cells) => ({ at: Number(cells[timeStamp]), ms: Number(cells[elapsed]), label: cells[label], ok: cells[success] === 'true' }));
  const figures = (name: string, of: typeof samples): SamplerFigures => {
    const times = of.map((sample) => sample.ms).sort((a, b) => a - b);
    return {
      label: name,
      requests: of.length,
      errors: of.filter((sample) => !sample.ok).length,
      medianMs: percentile(times, 50),
      p95Ms: percentile(times, 95),
    };
  };
  const labels = [...new Set(samples.map((sample) => sample.label))];
  const start = Math.min(...samples.map((sample) => sample.at));
  const end = Math.max(...samples.map((sample) => sample.at + sample.ms));
  return {
    samplers: labels.map((name) => figures(name, samples.filter((sample) => sample.label === name))),
    total: figures('TOTAL', samples),
    throughputPerSecond: samples.length / Math.max(0.001, (end - start) / 1000),
  };
}
