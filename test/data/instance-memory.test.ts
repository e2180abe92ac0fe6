import { defaultMaxConnections, instanceClassMemoryGiB } from '../../src/data/instance-memory';

describe('DB instance class memory (RDS User Guide, hardware specifications)', () => {
  test.each([
    ['t4g.micro', 1], ['t4g.small', 2], ['t3.medium', 4], ['t4g.large', 8], ['t4g.2xlarge', 32],
    ['m6g.large', 8], ['m6g.xlarge', 16], ['m5.12xlarge', 192], ['m6i.32xlarge', 512],
    ['r6g.large', 16], ['r5b.2xlarge', 64], ['r6i.24xlarge', 768], ['x2g.large', 32], ['x2g.16xlarge', 1024],
  ])('%s has %p GiB', (instanceClass, gibibytes) => {
    expect(instanceClassMemoryGiB(instanceClass)).toBe(gibibytes);
  });

  test.each(['m4.large', 'r4.large', 't2.small', 'x1e.xlarge', 'z1d.large', 'x2iedn.xlarge', 'not-a-class'])('%s is not covered', (instanceClass) => {
    expect(instanceClassMemoryGiB(instanceClass)).toBeUndefined();
  });

  test('max_connections is the memory over 12582880 bytes: around 1,300 for 16 GiB, as the guide says', () => {
    expect(defaultMaxConnections('t4g.small')).toBe(170);
    expect(defaultMaxConnections('m6g.xlarge')).toBe(1365);
    expect(defaultMaxConnections('m4.large')).toBeUndefined();
  });
});
