import { auroraServerlessMaxConnections, defaultMaxConnections, instanceClassMemoryGiB } from '../../src/data/instance-memory';

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

describe('Aurora MySQL Serverless v2 max_connections by maximum ACU (Aurora User Guide, Maximum connections for Aurora Serverless v2)', () => {
  test.each([[1, 90], [4, 135], [8, 1000], [16, 2000], [32, 3000], [64, 4000], [128, 5000]])('the table: %p ACU -> %p', (acu, connections) => {
    expect(auroraServerlessMaxConnections(acu)).toBe(connections);
  });

  test.each([[2, 90], [3.5, 90], [6, 135], [8.5, 1000], [256, 5000]])('a maximum between rows gets the lower row: %p ACU -> %p', (acu, connections) => {
    expect(auroraServerlessMaxConnections(acu)).toBe(connections);
  });

  test('below 1 ACU (not a valid maximum) is not known', () => {
    expect(auroraServerlessMaxConnections(0.5)).toBeUndefined();
  });
});
