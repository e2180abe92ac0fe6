import { Template } from 'aws-cdk-lib/assertions';
import { MoodleMonitoring } from '../../src/monitoring';
import { MoodleService } from '../../src/service';
import { tiers } from '../service/doubles';
import { testStack } from '../util/checks';

describe('MoodleMonitoring of parts other than the shipped ones (through their contracts)', () => {
  const stack = testStack();
  const { props, data, cache, edge } = tiers(stack);
  const service = new MoodleService(stack, 'Service', props);
  const monitoring = new MoodleMonitoring(stack, 'Monitoring', { service, data, cache, edge });
  const template = Template.fromStack(stack);
  const alarmOf = (name: string) => Object.entries(template.findResources('AWS::CloudWatch::Alarm'))
    .find(([id]) => id.startsWith(`Monitoring${name}Alarm`))?.[1].Properties;

  test('watches the metrics each part offers', () => {
    expect(alarmOf('DatabaseCpu')).toMatchObject({
      Namespace: 'AWS/RDS', MetricName: 'CPUUtilization', Dimensions: [{ Name: 'DBInstanceIdentifier', Value: 'moodle' }], Statistic: 'Average',
    });
    expect(alarmOf('UnhealthyTargets')).toMatchObject({ MetricName: 'UnHealthyHostCount', Namespace: 'AWS/ApplicationELB' });
    expect(alarmOf('DatabaseFreeStorage')).toMatchObject({ MetricName: 'FreeStorageSpace', Statistic: 'Minimum' });
  });

  test('leaves out what a part does not offer: evictions, capacity, rotation failures', () => {
    expect(alarmOf('CacheEvictions')).toBeUndefined();
    expect(alarmOf('DatabaseCapacity')).toBeUndefined();
    expect(monitoring.rotationFailureRule).toBeUndefined();
  });
});
