// bin/check-site-dump.php on dumps in both writers' layouts (mysqldump: a statement's rows on one line; mariadb-dump
// 10.11, as measured: one row per line after VALUES) and on the dumps the import must refuse before writing anything.
import { spawnSync } from 'child_process';
import * as path from 'path';

const SCRIPT = path.join(__dirname, '..', '..', 'src', 'image', 'bin', 'check-site-dump.php');

function check(dump: string, env: Record<string, string> = {}) {
  const result = spawnSync('php', [SCRIPT], { input: dump, encoding: 'utf8', env: { ...process.env, ...env } });
  return { status: result.status, stdout: result.stdout.trim(), stderr: result.stderr.trim() };
}

const table = (name: string, charset = 'utf8mb4') =>
  `DROP TABLE IF EXISTS \`${name}\`;\nCREATE TABLE \`${name}\` (\n  \`id\` bigint(10) NOT NULL AUTO_INCREMENT,\n  PRIMARY KEY (\`id\`)\n) ENGINE=InnoDB DEFAULT CHARSET=${charset} COLLATE=${charset}_unicode_ci;\n`;
const header = '-- MySQL dump 10.13  Distrib 8.4.3, for Linux (x86_64)\n--\n-- Host: old-db    Database: moodle\n/*!40101 SET NAMES utf8mb4 */;\n';
const tables = (prefix = 'mdl_') => ['config', 'course', 'files', 'user'].map((t) => table(`${prefix}${t}`)).join('');
const oneLine = "INSERT INTO `mdl_config` VALUES (1,'rolesactive','1'),(2,'release','4.5.3 (Build: 20250310)'),(3,'version','2024100703.00'),(4,'note','it\\'s');\n";
const footer = '\n-- Dump completed on 2026-12-07 10:15:00\n';
const rowPerLine = "INSERT INTO `mdl_config` VALUES\n(1,'rolesactive','1'),\n(2,'release','4.5 (Build: 20241007)'),\n(3,'version','2024100700.00');\n";

describe('check-site-dump.php', () => {
  test('a mysqldump dump (rows on one line): the release and version it holds', () => {
    const result = check(header + tables() + oneLine + footer);
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ release: '4.5.3 (Build: 20250310)', version: '2024100703.00', tables: 4 });
  });

  test('a mariadb-dump dump (one row per line)', () => {
    const result = check('/*M!999999\\- enable the sandbox mode */\n-- MariaDB dump 10.19\n' + tables() + rowPerLine + footer);
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ release: '4.5 (Build: 20241007)', version: '2024100700.00' });
  });

  test('another table prefix, when MOODLE_DB_PREFIX says so', () => {
    const dump = header + tables('m_') + oneLine.replace('`mdl_config`', '`m_config`') + footer;
    expect(check(dump, { MOODLE_DB_PREFIX: 'm_' }).status).toBe(0);
    expect(check(dump).stderr).toMatch(/not a Moodle database with table prefix mdl_: it has no mdl_config, mdl_user, mdl_course, mdl_files \(table prefixes in the dump: m_\)/);
  });

  test.each([
    ['an empty dump', '', /the dump is empty/],
    ['text that is no SQL dump', 'hello\n', /this is not a SQL dump with CREATE TABLE statements/],
    ['a dump cut short', header + tables() + oneLine, /does not end with "-- Dump completed": it was cut short/],
    ['a database that is not Moodle', header + table('wp_posts') + table('wp_users') + footer, /not a Moodle database with table prefix mdl_/],
    ['a latin1 table', header + tables() + table('mdl_old', 'latin1') + oneLine + footer, /1 tables are not utf8mb4.*mdl_old \(latin1\).*mysql_collation\.php/],
    ['a dump with USE (--databases)', header + 'CREATE DATABASE /*!32312 IF NOT EXISTS*/ `moodle`;\nUSE `moodle`;\n' + tables() + oneLine,
      /switches to or creates a database.*without --databases/],
    ['a dump that sets GTID_PURGED', header + "SET @@GLOBAL.GTID_PURGED=/*!80000 '+'*/ 'abc:1-5';\n" + tables() + oneLine, /GTID_PURGED.*--set-gtid-purged=OFF/],
    ['a view with a DEFINER', header + tables() + '/*!50013 DEFINER=`root`@`%` SQL SECURITY DEFINER */\n' + oneLine + footer, /DEFINER/],
    ['a trigger with a DEFINER', header + tables() + '/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`%`*/ /*!50003 TRIGGER t BEFORE INSERT ON mdl_user FOR EACH ROW SET @x = 1 */;;\n' + oneLine + footer, /DEFINER/],
    ['no release row', header + tables() + "INSERT INTO `mdl_config` VALUES (1,'rolesactive','1');\n" + footer, /no release or version row/],
  ])('refuses %s (exit 3), saying why', (_name, dump, message) => {
    const result = check(dump);
    expect({ status: result.status, stdout: result.stdout }).toEqual({ status: 3, stdout: '' });
    expect(result.stderr).toMatch(message);
  });
});
