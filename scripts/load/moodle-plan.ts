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
