import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { DatabaseEngine, MoodleDatabase, MoodleOnFargate, MoodlePreset } from '../src';
import { testStack } from './util/checks';
import { DATABASE_CONNECTIONS_WARNING } from '../src/service/service-validation';

// Every preset, with its own database and with each engine a user picks explicitly (as presets-engines.test.ts), keeps
// its web tier at its most tasks within the database's connections.
const presets = [MoodlePreset.DEVELOPMENT, MoodlePreset.PRODUCTION];
const databases = ['preset', DatabaseEngine.MYSQL, DatabaseEngine.AURORA_MYSQL_SERVERLESS_V2] as const;
const combinations = presets.flatMap((preset) => databases.map((database) => ({ preset, database })));

function connectionWarnings(preset: MoodlePreset, database: typeof databases[number]) {
  const stack = testStack('us-east-1');
  const chosen = database === 'preset' ? undefined
    : database === DatabaseEngine.MYSQL ? MoodleDatabase.mysql() : MoodleDatabase.auroraServerless();
  const moodle = new MoodleOnFargate(stack, 'Moodle', { preset, data: chosen ? { database: chosen } : undefined });
  const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp(DATABASE_CONNECTIONS_WARNING));
  return { moodle, warnings: warnings.map((w) => String(w.entry.data)) };
}

describe.each(combinations.filter(({ preset, database }) => !(preset === MoodlePreset.PRODUCTION && database === 'preset')))(
  'preset $preset with database $database', ({ preset, database }) => {
    test('the web tier at its most tasks fits the database\'s connections', () => {
      const { moodle, warnings } = connectionWarnings(preset, database);
      expect(moodle.data.databaseMaxConnections).toBeDefined();
      expect(warnings).toEqual([]);
    });
  });

describe('preset PRODUCTION with its own database (db.t4g.medium: about 341 connections, 10 tasks x 24 workers)', () => {
  test('the web tier at its most tasks fits the database\'s connections', () => {
    expect(connectionWarnings(MoodlePreset.PRODUCTION, 'preset').warnings).toEqual([]);
  });
});
