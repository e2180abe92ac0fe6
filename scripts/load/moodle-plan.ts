// Moodle's own JMeter test plan (admin/tool/generator), made to run against the local site.

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

/** The plan's first thread group: it logs every user in once, before the measured group starts. */
export const WARM_UP_THREAD_GROUP = 'Warm-up site';
const MEASURED_THREAD_GROUP = 'Moodle Test';

export interface PlanShape {
  /** The measured group's users (threads), as maketestplan.php wrote them for the plan's size. */
  readonly users: number;
  readonly warmUpRequestsPerUser: number;
  /** The measured group's requests in each of a user's loops. */
  readonly requestsPerLoop: number;
}

export function planShape(xml: string): PlanShape {
  const groups = xml.split(/<ThreadGroup [^>]*testname="/).slice(1);
  const group = (name: string) => {
    const found = groups.find((text) => text.startsWith(`${name}"`));
    if (!found) throw new Error(`the test plan has no thread group "${name}": not a plan of admin/tool/generator`);
    return found;
  };
  const requests = (text: string) => (text.match(/<HTTPSamplerProxy [^>]*enabled="true"/g) ?? []).length;
  const measured = group(MEASURED_THREAD_GROUP);
  const users = /__property\(users,users,(\d+)\)/.exec(measured);
  if (!users) throw new Error(`the test plan's "${MEASURED_THREAD_GROUP}" thread group names no users property`);
  return { users: Number(users[1]), warmUpRequestsPerUser: requests(group(WARM_UP_THREAD_GROUP)), requestsPerLoop: requests(measured) };
}
