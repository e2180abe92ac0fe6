import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const imageDir = path.join(__dirname, '..', '..', 'src', 'image');

describe('Moodle image start-up scripts', () => {
  test('config_test.php passes', () => {
    const probe = spawnSync('php', ['--version'], { encoding: 'utf8' });
    if (probe.error || probe.status !== 0) {
      throw new Error('php CLI missing: apt-get install php-cli');
    }
    const result = spawnSync('php', [path.join(__dirname, 'config_test.php')], {
      encoding: 'utf8',
      // The PHP tests give generate-config.php an exact environment; keep the host's out of the MUC test.
      env: { PATH: process.env.PATH ?? '', MOODLE_TEST_TREE: process.env.MOODLE_TEST_TREE ?? '' },
    });
    const output = `${result.stdout}${result.stderr}`;
    expect(output).toMatch(/^\d+ passed, 0 failed$/m);
    if (result.status !== 0) {
      throw new Error(`config_test.php exited with ${result.status}:\n${output}`);
    }
  });

  test('muc_contract_test.php passes (configure-cache.php against a fake Moodle tree)', () => {
    const probe = spawnSync('php', ['--version'], { encoding: 'utf8' });
    if (probe.error || probe.status !== 0) {
      throw new Error('php CLI missing: apt-get install php-cli');
    }
    const result = spawnSync('php', [path.join(__dirname, 'muc_contract_test.php')], {
      encoding: 'utf8',
      // The test gives configure-cache.php an exact environment; keep the host's MOODLE_* and FAKE_* out.
      env: { PATH: process.env.PATH ?? '' },
    });
    const output = `${result.stdout}${result.stderr}`;
    expect(output).toMatch(/^\d+ passed, 0 failed$/m);
    if (result.status !== 0) {
      throw new Error(`muc_contract_test.php exited with ${result.status}:\n${output}`);
    }
  });

  test('db_user_test.php passes (ensure-db-user.php against a throwaway MariaDB server)', () => {
    const result = spawnSync(path.join(__dirname, 'with-mariadb.sh'), ['php', path.join(__dirname, 'db_user_test.php')], {
      encoding: 'utf8',
      // The test gives ensure-db-user.php an exact environment; keep the host's MOODLE_* out.
      env: { PATH: process.env.PATH ?? '' },
    });
    const output = `${result.error ?? ''}${result.stdout}${result.stderr}`;
    if (result.status !== 0) {
      throw new Error(`with-mariadb.sh php db_user_test.php exited with ${result.status}:\n${output}`);
    }
    expect(output).toMatch(/^\d+ passed, 0 failed$/m);
  }, 120_000);
});

describe('Moodle Dockerfile', () => {
  const dockerfile = fs.readFileSync(path.join(imageDir, 'Dockerfile'), 'utf8');
  const instructions = dockerfile
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('\n');

  test('is not based on Bitnami', () => {
    expect(instructions.toLowerCase()).not.toContain('bitnami');
    expect(instructions).toMatch(/^ARG BASE_IMAGE=\S*moodlehq\/moodle-php-apache:/m);
  });

  test('pulls nothing from Docker Hub by default (anonymous pulls are limited to 10 an hour per address)', () => {
    const froms = [...instructions.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]);
    expect(froms).toEqual(['${COMPOSER_IMAGE}', '${BASE_IMAGE}']);
    const defaults = Object.fromEntries([...instructions.matchAll(/^ARG\s+(BASE_IMAGE|COMPOSER_IMAGE)=(\S+)/gm)].map((m) => [m[1], m[2]]));
    expect(defaults).toEqual({
      BASE_IMAGE: 'ghcr.io/moodlehq/moodle-php-apache:${PHP_VERSION}-bookworm',
      COMPOSER_IMAGE: 'public.ecr.aws/docker/library/composer:2',
    });
    expect([...instructions.matchAll(/^COPY\s+--from=(\S+)/gm)].map((m) => m[1])).toEqual(['composer']);
  });

  test('runs as a non-root user', () => {
    const users = [...instructions.matchAll(/^USER\s+(\S+)/gm)].map((m) => m[1]);
    expect(users.length).toBeGreaterThan(0);
    const last = users[users.length - 1].split(':')[0];
    expect(['root', '0']).not.toContain(last);
  });

  test('exposes port 8080', () => {
    expect(instructions).toMatch(/^EXPOSE\s+8080\s*$/m);
  });

  test('takes the Moodle release as a build argument', () => {
    expect(instructions).toMatch(/^ARG\s+MOODLE_VERSION=v\d+\.\d+\.\d+\s*$/m);
  });

  test('copies only files that exist in the build context', () => {
    for (const match of instructions.matchAll(/^COPY\s+(?!--from)(\S+)\s/gm)) {
      expect(fs.existsSync(path.join(imageDir, match[1]))).toBe(true);
    }
  });
});

describe('Apache configuration', () => {
  const apache = fs.readFileSync(path.join(__dirname, '..', '..', 'src', 'image', 'conf', 'apache-moodle.conf'), 'utf8');

  test('closes each connection after its response: no idle load-balancer connection can hold a prefork worker', () => {
    expect(apache).toMatch(/^KeepAlive Off$/m);
    expect(apache).not.toMatch(/^KeepAlive On$/m);
  });

  test('stops gracefully within the web task stop timeout (30 s)', () => {
    expect(Number(/^GracefulShutdownTimeout (\d+)$/m.exec(apache)?.[1])).toBeLessThan(30);
  });
});
