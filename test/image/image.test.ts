import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { MOODLE_RELEASES } from '../../src/contracts/moodle-releases';
import { serviceDefaults } from '../../src/service/service-defaults';

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

  const args = Object.fromEntries([...instructions.matchAll(/^ARG\s+([A-Z_]+)=(\S+)/gm)].map((m) => [m[1], m[2]]));

  test('builds on the official PHP image from Amazon ECR Public\'s mirror, not Bitnami or moodlehq\'s development image', () => {
    expect(instructions.toLowerCase()).not.toContain('bitnami');
    expect(instructions).not.toContain('moodlehq');
    expect(args).toMatchObject({
      PHP_IMAGE_REPOSITORY: 'public.ecr.aws/docker/library/php',
      PHP_IMAGE_VARIANT: 'apache-trixie',
      BASE_IMAGE: '${PHP_IMAGE_REPOSITORY}:${PHP_VERSION}-${PHP_IMAGE_VARIANT}',
      COMPOSER_IMAGE: 'public.ecr.aws/docker/library/composer:2',
    });
  });

  test('pulls nothing from Docker Hub by default (anonymous pulls are limited to 10 an hour per address)', () => {
    const froms = [...instructions.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]);
    expect(froms).toEqual(['${COMPOSER_IMAGE}', '${BASE_IMAGE}', 'php', 'php']);
    expect([...instructions.matchAll(/^COPY\s+--from=(\S+)/gm)].map((m) => m[1])).toEqual(['composer', 'source']);
    expect(instructions).not.toMatch(/^#\s*syntax=/m);
  });

  test('its default release is the constructs\' default, on the PHP version the release table names for it', () => {
    const release = MOODLE_RELEASES.find((r) => r.tag === serviceDefaults.moodleVersion)!;
    expect([...instructions.matchAll(/^ARG\s+MOODLE_VERSION=(\S+)$/gm)].map((m) => m[1])).toEqual([release.tag, release.tag]);
    expect(args.PHP_VERSION).toBe(release.buildPhp);
  });

  test('installs no debugging or profiling extension, and pins the PECL ones', () => {
    const install = fs.readFileSync(path.join(imageDir, 'build', 'install-php-extensions.sh'), 'utf8');
    for (const dev of ['xdebug', 'pcov', 'xhprof', 'blackfire']) expect(`${instructions}\n${install}`.toLowerCase()).not.toContain(`install ${dev}`);
    expect(args.IGBINARY_VERSION).toMatch(/^\d+\.\d+\.\d+$/);
    expect(args.REDIS_VERSION).toMatch(/^\d+\.\d+\.\d+$/);
    expect(install).toMatch(/docker-php-ext-install -j"\$\(nproc\)" mysqli intl zip gd soap exif$/m);
  });

  test('fetches Moodle by its pinned commit and checks the PHP extensions against the tree\'s environment.xml', () => {
    expect(instructions).toMatch(/fetch-moodle\.sh \/usr\/local\/lib\/moodle-build\/moodle-releases\.json \/var\/www\/moodle/);
    expect(instructions).toMatch(/check-php-extensions\.php \/var\/www\/moodle/);
    expect(instructions).not.toMatch(/archive\/.*\.tar\.gz/);
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

  test('stops gracefully for as long as the task definition says (APACHE_GRACEFUL_SHUTDOWN_TIMEOUT, default in envvars)', () => {
    expect(apache).toMatch(/^GracefulShutdownTimeout \$\{APACHE_GRACEFUL_SHUTDOWN_TIMEOUT\}$/m);
    const dockerfile = fs.readFileSync(path.join(__dirname, '..', '..', 'src', 'image', 'Dockerfile'), 'utf8');
    expect(dockerfile).toContain('export APACHE_GRACEFUL_SHUTDOWN_TIMEOUT=${APACHE_GRACEFUL_SHUTDOWN_TIMEOUT:-65}');
  });

  test('logs the viewer\'s address first, by the rule the entrypoint writes into the runtime directory', () => {
    expect(apache).toMatch(/^IncludeOptional \$\{MOODLE_RUNTIME_DIR\}\/apache\/\*\.conf$/m);
    expect(apache).toMatch(/^LogFormat "%\{MOODLE_VIEWER_ADDR\}e %a .*" moodle$/m);
    expect(apache).toMatch(/CustomLog \/proc\/self\/fd\/1 moodle$/m);
  });
});
