import { Annotations as CoreAnnotations, Size } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import { tiers, withFields } from './doubles';
import { IMoodleData } from '../../src/contracts/data';
import { MoodleService, MoodleServiceProps } from '../../src/service';
import { DATABASE_CONNECTION_RESERVE, DATABASE_CONNECTIONS_WARNING } from '../../src/service/service-validation';
import { testStack } from '../util/checks';

// The web tier at its most tasks against the database's max_connections, less what the other tasks, RDS and an
// operator keep: a warning naming the fix.

function build(databaseMaxConnections: number | undefined, overrides: Partial<MoodleServiceProps> = {}, moodleDbType = 'mysqli') {
  const stack = testStack();
  const { props } = tiers(stack);
  const data = withFields<IMoodleData>(props.data, { databaseMaxConnections, moodleDbType });
  new MoodleService(stack, 'Service', { ...props, data, ...overrides });
  return stack;
}

function budgetWarnings(stack: ReturnType<typeof testStack>): string[] {
  return Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp(DATABASE_CONNECTIONS_WARNING)).map((w) => String(w.entry.data));
}

describe('the database connection budget', () => {
  test('keeps 9 connections for the rest: cron, install/upgrade, import, export, 2 rotations, 2 for RDS, 1 operator', () => {
    expect(DATABASE_CONNECTION_RESERVE).toEqual({
      cron: 1, installOrUpgrade: 1, importSite: 1, exportSite: 1, secretRotation: 2, rds: 2, operator: 1,
    });
  });

  test('a small class with many tasks warns and names each fix with its numbers (db.t4g.small: 170; 10 tasks x 24 workers)', () => {
    const stack = build(170, { maxCapacity: 10 });
    Annotations.fromStack(stack).hasWarning('/Test/Service', Match.stringLikeRegexp(
      'can open 240 database connections \\(10 tasks × 24 Apache workers for 2048 MiB.*accepts 170.*of which 9 are kept.*161 for the web tier',
    ));
    const [warning] = budgetWarnings(stack);
    expect(warning).toMatch(/a larger instance class .*249 need at least 3 GiB/);
    expect(warning).toMatch(/lower maxCapacity to at most 6 \(6 × 24 = 144 connections\)/);
    expect(warning).toMatch(/at most 16 Apache workers each \(memory below 1600 MiB/);
    expect(warning).toMatch(/\[ack: moodle-on-fargate:databaseConnections\]$/);
  });

  test.each([[249, 0], [248, 1]])('exactly at the limit passes, one below warns: max_connections %p -> %p warnings', (maxConnections, count) => {
    expect(budgetWarnings(build(maxConnections, { maxCapacity: 10 }))).toHaveLength(count);
  });

  test('the workers follow the web task\'s memory: 4 GiB gives 56 per task', () => {
    const stack = build(288, { cpu: 2048, memory: Size.gibibytes(4), maxCapacity: 5 });
    expect(budgetWarnings(stack)).toEqual([expect.stringMatching(/can open 280 database connections \(5 tasks × 56 Apache workers for 4096 MiB/)]);
  });

  test('scheduled scaling that raises the task count counts (exam weeks)', () => {
    const schedule = appscaling.Schedule.cron({ minute: '0', hour: '7', weekDay: 'MON-FRI' });
    const stack = build(249, { maxCapacity: 10, scheduledScaling: [{ schedule, minCapacity: 4, maxCapacity: 12 }] });
    expect(budgetWarnings(stack)).toEqual([expect.stringMatching(
      /12 tasks \(scheduledScaling raises the task count to 12\).*lower maxCapacity and the task counts of scheduledScaling to at most 10/,
    )]);
  });

  test('Aurora: the fix is a higher maxCapacity (2 ACU allows 90)', () => {
    const stack = build(90, { maxCapacity: 4 }, 'auroramysql');
    expect(budgetWarnings(stack)).toEqual([expect.stringMatching(/accepts 90.*a higher Aurora maxCapacity.*1000 from 8/)]);
  });

  test('a database whose max_connections is not known (an existing one) is not judged', () => {
    expect(budgetWarnings(build(undefined, { maxCapacity: 50 }))).toEqual([]);
  });

  test('the warning can be acknowledged on any scope above the service (a max_connections of the user\'s own)', () => {
    const stack = testStack();
    CoreAnnotations.of(stack).acknowledgeWarning(DATABASE_CONNECTIONS_WARNING, 'max_connections is 400 in our parameter group');
    const { props } = tiers(stack);
    new MoodleService(stack, 'Service', { ...props, data: withFields<IMoodleData>(props.data, { databaseMaxConnections: 170 }) });
    expect(budgetWarnings(stack)).toEqual([]);
  });
});
