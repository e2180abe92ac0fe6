import { spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * The image build's scripts (src/image/build), run here as the Docker build and CodeBuild run them: on fake Moodle
 * trees in local git repositories, a local CA bundle and a stand-in `docker` that records what it is asked.
 */

const IMAGE_DIR = path.join(__dirname, '..', '..', 'src', 'image');
const BUILD = path.join(IMAGE_DIR, 'build');

function run(command: string, args: string[], env: Record<string, string> = {}, cwd?: string) {
  const result = spawnSync(command, args, { encoding: 'utf8', cwd, env: { PATH: process.env.PATH ?? '', HOME: os.tmpdir(), ...env } });
  return { status: result.status ?? -1, output: `${result.stdout}${result.stderr}` };
}

function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

const git = (dir: string, ...args: string[]) => {
  const result = run('git', ['-C', dir, '-c', 'user.name=test', '-c', 'user.email=test@example.edu', ...args]);
  if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.output}`);
  return result.output.trim();
};

interface FakeMoodle {
  readonly url: string;
  readonly commit: string;
}

/** A git repository holding a fake Moodle tree (version.php, composer.json) with one commit, tagged `tag`. */
interface FakeMoodleOptions {
  readonly release: string;
  readonly version: string;
  readonly publicDir?: boolean;
  readonly packages?: boolean;
  readonly lock?: boolean;
  readonly tag?: string;
}

function fakeMoodleRepository(options: FakeMoodleOptions): FakeMoodle {
  const dir = tempDir('fake-moodle-');
  git(dir, 'init', '-q');
  const root = options.publicDir ? path.join(dir, 'public') : dir;
  fs.mkdirSync(root, { recursive: true });
  fs.writeFileSync(path.join(root, 'version.php'), [
    '<?php', "defined('MOODLE_INTERNAL') || die();", `$version  = ${options.version};`, `$release  = '${options.release}';`,
    "$branch   = '503';", '$maturity = MATURITY_STABLE;', '',
  ].join('\n'));
  const require = options.packages ? { 'php': '>=8.3.0', 'ext-intl': '*', 'slim/slim': '4.15.2' } : { 'php': '>=8.1.0', 'ext-intl': '*' };
  fs.writeFileSync(path.join(dir, 'composer.json'), JSON.stringify({ name: 'moodle/moodle', require }));
  if (options.lock ?? options.packages) fs.writeFileSync(path.join(dir, 'composer.lock'), '{"packages": []}\n');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', options.release);
  const commit = git(dir, 'rev-parse', 'HEAD');
  if (options.tag) git(dir, 'tag', '-a', options.tag, '-m', options.tag);
  return { url: `file://${dir}`, commit };
}

function releaseTable(entry: Record<string, unknown>): string {
  const file = path.join(tempDir('releases-'), 'moodle-releases.json');
  fs.writeFileSync(file, JSON.stringify({ releases: [{ tag: 'v5.3.0', release: '5.3 (Build: 20261005)', version: '2026100500.00', ...entry }] }));
  return file;
}

/** A `composer` on PATH that records its arguments and writes vendor/autoload.php. */
function fakeComposer(): { bin: string; log: string } {
  const bin = tempDir('fake-composer-');
  const log = path.join(bin, 'calls');
  fs.writeFileSync(path.join(bin, 'composer'), `#!/bin/sh\necho "$PWD $*" >> ${log}\nmkdir -p vendor && echo '<?php' > vendor/autoload.php\n`, { mode: 0o755 });
  return { bin, log };
}

function fetchMoodle(table: string, fake: FakeMoodle, extraPath = '') {
  const dest = path.join(tempDir('fetched-'), 'moodle');
  const result = run('bash', [path.join(BUILD, 'fetch-moodle.sh'), table, dest], {
    MOODLE_VERSION: 'v5.3.0', MOODLE_GIT_URL: fake.url, PATH: `${extraPath}${extraPath ? ':' : ''}${process.env.PATH}`,
  });
  return { ...result, dest };
}

describe('fetch-moodle.sh: the pinned commit, proved', () => {
  test('fetches the commit, checks version.php and the tag, and leaves no .git; a tree without packages needs no composer', () => {
    const fake = fakeMoodleRepository({ release: '5.3 (Build: 20261005)', version: '2026100500.00', tag: 'v5.3.0' });
    const composer = fakeComposer();
    const result = fetchMoodle(releaseTable({ commit: fake.commit }), fake, composer.bin);
    expect(result).toMatchObject({ status: 0 });
    expect(result.output).toMatch(/Moodle v5\.3\.0 ready/);
    expect(fs.existsSync(path.join(result.dest, 'version.php'))).toBe(true);
    expect(fs.existsSync(path.join(result.dest, '.git'))).toBe(false);
    expect(fs.existsSync(composer.log)).toBe(false);
  });

  test('a 5.2+ tree (composer.json requires packages, public/ web root) gets composer install --no-dev from its lock', () => {
    const fake = fakeMoodleRepository({ release: '5.3 (Build: 20261005)', version: '2026100500.00', publicDir: true, packages: true, tag: 'v5.3.0' });
    const composer = fakeComposer();
    const result = fetchMoodle(releaseTable({ commit: fake.commit }), fake, composer.bin);
    expect(result).toMatchObject({ status: 0 });
    expect(fs.readFileSync(composer.log, 'utf8')).toMatch(/ install --no-dev --no-interaction --no-progress --optimize-autoloader\n$/);
    expect(fs.existsSync(path.join(result.dest, 'vendor', 'autoload.php'))).toBe(true);
  });

  test('packages without a composer.lock fail: nothing to install reproducibly from', () => {
    const fake = fakeMoodleRepository({ release: '5.3 (Build: 20261005)', version: '2026100500.00', packages: true, lock: false });
    const result = fetchMoodle(releaseTable({ commit: fake.commit }), fake, fakeComposer().bin);
    expect(result.status).not.toBe(0);
    expect(result.output).toMatch(/v5\.3\.0's composer\.json requires packages, but the tree has no composer\.lock/);
  });

  test('a commit the remote does not have fails, naming it', () => {
    const fake = fakeMoodleRepository({ release: '5.3 (Build: 20261005)', version: '2026100500.00' });
    const result = fetchMoodle(releaseTable({ commit: 'f'.repeat(40) }), fake);
    expect(result.status).not.toBe(0);
    expect(result.output).toMatch(/could not fetch commit f{40} \(v5\.3\.0\) from file:/);
  });

  test('a commit whose version.php is another release fails, naming both', () => {
    const fake = fakeMoodleRepository({ release: '5.2.4 (Build: 20261005)', version: '2026042004.00' });
    const result = fetchMoodle(releaseTable({ commit: fake.commit }), fake);
    expect(result.status).not.toBe(0);
    expect(result.output).toMatch(/version\.php says '5\.2\.4 \(Build: 20261005\)' \(version 2026042004\.00\), but the release table says '5\.3 \(Build: 20261005\)' \(version 2026100500\.00\) for v5\.3\.0/);
  });

  test('a tag that points elsewhere fails; an unpublished tag leaves the commit as the pin', () => {
    const fake = fakeMoodleRepository({ release: '5.3 (Build: 20261005)', version: '2026100500.00', tag: 'v5.3.0' });
    const dir = fake.url.slice('file://'.length);
    fs.writeFileSync(path.join(dir, 'other'), 'x');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'later');
    git(dir, 'tag', '-f', '-a', 'v5.3.0', '-m', 'moved');
    const moved = fetchMoodle(releaseTable({ commit: fake.commit }), fake);
    expect(moved.status).not.toBe(0);
    expect(moved.output).toMatch(new RegExp(`tag v5\\.3\\.0 of file:\\S+ is commit [0-9a-f]{40}, but the release table pins it to ${fake.commit}`));
    git(dir, 'tag', '-d', 'v5.3.0');
    const untagged = fetchMoodle(releaseTable({ commit: fake.commit }), fake);
    expect(untagged).toMatchObject({ status: 0 });
    expect(untagged.output).toMatch(/publishes no tag v5\.3\.0; the tree is pinned by its commit id/);
  });

  test('a release outside the table fails, listing the table', () => {
    const fake = fakeMoodleRepository({ release: '5.3 (Build: 20261005)', version: '2026100500.00' });
    const table = releaseTable({ commit: fake.commit, tag: 'v5.2.4' });
    const result = fetchMoodle(table, fake);
    expect(result.status).not.toBe(0);
    expect(result.output).toMatch(/Moodle release 'v5\.3\.0' is not in the release table \(v5\.2\.4\)/);
  });
});

describe('install-ca-bundle.sh: the RDS CA bundle only with its pinned sha256, one file per certificate', () => {
  const work = tempDir('ca-');
  const selfSigned = (name: string) => {
    run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', `/CN=${name}`,
      '-keyout', path.join(work, `${name}.key`), '-out', path.join(work, `${name}.pem`)]);
    return fs.readFileSync(path.join(work, `${name}.pem`), 'utf8');
  };
  const bundle = path.join(work, 'global-bundle.pem');
  fs.writeFileSync(bundle, selfSigned('rds-test-root-1') + selfSigned('rds-test-root-2'));
  const sha256 = crypto.createHash('sha256').update(fs.readFileSync(bundle)).digest('hex');
  const roots = ['Amazon_Root_CA_1', 'Amazon_Root_CA_2', 'Amazon_Root_CA_3', 'Amazon_Root_CA_4', 'Starfield_Services_Root_Certificate_Authority_-_G2'];
  const install = (pin: string, systemRoots = roots) => {
    const target = tempDir('ca-target-');
    const system = tempDir('ca-system-');
    for (const root of systemRoots) fs.writeFileSync(path.join(system, `${root}.pem`), `${root}\n`);
    const rootsFile = path.join(target, 'roots', 'amazon-trust-services.pem');
    return { ...run('bash', [path.join(BUILD, 'install-ca-bundle.sh'), `file://${bundle}`, pin, target, system, rootsFile]), target, rootsFile };
  };

  test('installs each certificate of the bundle as a file of its own, which OpenSSL can hash for openssl.capath', () => {
    const result = install(sha256);
    expect(result).toMatchObject({ status: 0 });
    expect(result.output).toContain(`2 RDS CA certificates, sha256 ${sha256}`);
    const rds = path.join(result.target, 'rds');
    expect(fs.readdirSync(rds).sort()).toEqual(['rds-ca-001.crt', 'rds-ca-002.crt']);
    expect(fs.readFileSync(path.join(rds, 'rds-ca-002.crt'), 'utf8')).toBe(fs.readFileSync(path.join(work, 'rds-test-root-2.pem'), 'utf8'));
    // What update-ca-certificates does to /etc/ssl/certs: a <subject hash>.0 link per single-certificate file.
    expect(run('openssl', ['rehash', rds])).toMatchObject({ status: 0 });
    expect(fs.readdirSync(rds).filter((file) => /^[0-9a-f]{8}\.0$/.test(file))).toHaveLength(2);
    expect(run('openssl', ['verify', '-no-CAfile', '-CApath', rds, path.join(work, 'rds-test-root-2.pem')]).output).toMatch(/: OK/);
  });

  test('writes the Amazon Trust Services roots (ElastiCache\'s) to one small file', () => {
    const result = install(sha256);
    expect(fs.readFileSync(result.rootsFile, 'utf8')).toBe(roots.map((root) => `${root}\n`).join(''));
    expect(result.output).toContain(`5 Amazon Trust Services roots in ${result.rootsFile}`);
  });

  test('a system store without one of those roots fails the build', () => {
    const result = install(sha256, roots.slice(1));
    expect(result.status).not.toBe(0);
    expect(result.output).toMatch(/have no Amazon_Root_CA_1\.pem: install Debian's ca-certificates/);
  });

  test('a changed bundle fails the build, saying how to move the pin', () => {
    const result = install('0'.repeat(64));
    expect(result.status).not.toBe(0);
    expect(result.output).toContain(`has sha256 ${sha256}, but the image pins ${'0'.repeat(64)}. AWS has changed the bundle`);
    expect(result.output).toContain(`RDS_CA_BUNDLE_SHA256=${sha256}`);
    expect(fs.readdirSync(result.target)).toEqual([]);
  });

  test('a pin that is not a sha256 fails', () => {
    expect(install('abc').output).toMatch(/the pinned sha256 'abc' \(build argument RDS_CA_BUNDLE_SHA256\) is not 64 lower-case hex digits/);
  });

  test('the Dockerfile pins the bundle the image installs', () => {
    const dockerfile = fs.readFileSync(path.join(IMAGE_DIR, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^ARG RDS_CA_BUNDLE_SHA256=[0-9a-f]{64}$/m);
    expect(dockerfile).toMatch(/install-ca-bundle\.sh "\$RDS_CA_BUNDLE_URL" "\$RDS_CA_BUNDLE_SHA256"/);
  });
});

describe('docker-build.sh: the release\'s PHP, base images pinned to digests and recorded', () => {
  const digest = (c: string) => `sha256:${c.repeat(64)}`;
  /**
   * A `docker` that logs each call. A pull prints the digest it resolved, as docker does (unless NO_DIGEST_LINE),
   * `image inspect` answers RepoDigests (or LABELS for labels); the digest is per repository (PINNED for php).
   */
  function fakeDocker(): { bin: string; log: string } {
    const bin = tempDir('fake-docker-');
    const log = path.join(bin, 'calls');
    fs.writeFileSync(path.join(bin, 'docker'), [
      '#!/bin/bash',
      `printf '%s\\n' "$*" >> ${log}`,
      'ref="${@: -1}"; repo="${ref%@*}"; repo="${repo%:*}"',
      `case "$repo" in *composer) digest=${digest('c')} ;; *) digest=\${PINNED:-${digest('b')}} ;; esac`,
      'if [ "$1" = pull ] && [ -z "${NO_DIGEST_LINE:-}" ]; then echo "Digest: $digest"; fi',
      'if [ "$1 $2" = "image inspect" ]; then',
      '  if [ -n "${LABELS+x}" ]; then printf "%b\\n" "$LABELS"; else echo "$repo@$digest"; fi',
      'fi',
    ].join('\n'), { mode: 0o755 });
    return { bin, log };
  }
  const build = (env: Record<string, string> = {}, args = ['repo.example/moodle:tag']) => {
    const docker = fakeDocker();
    const record = path.join(docker.bin, 'record.env');
    const result = run('bash', [path.join(BUILD, 'docker-build.sh'), ...args], {
      DOCKER: path.join(docker.bin, 'docker'), BUILD_RECORD: record, ...env,
    });
    const calls = fs.existsSync(docker.log) ? fs.readFileSync(docker.log, 'utf8').trim().split('\n') : [];
    return { ...result, calls, record: fs.existsSync(record) ? fs.readFileSync(record, 'utf8') : '' };
  };
  const releases = JSON.parse(fs.readFileSync(path.join(IMAGE_DIR, 'moodle-releases.json'), 'utf8')).releases;

  test('by default: the Dockerfile\'s release, its PHP from the table, both base images by the digest their tags have', () => {
    const result = build();
    expect(result).toMatchObject({ status: 0 });
    const release = releases.find((r: any) => r.tag === 'v5.3.0');
    const base = `public.ecr.aws/docker/library/php:${release.buildPhp}-apache-trixie@${digest('b')}`;
    const composer = `public.ecr.aws/docker/library/composer:2@${digest('c')}`;
    expect(result.calls.slice(0, 2)).toEqual([
      `pull public.ecr.aws/docker/library/php:${release.buildPhp}-apache-trixie`,
      'pull public.ecr.aws/docker/library/composer:2',
    ]);
    const dockerBuild = result.calls[2];
    for (const expected of ['--build-arg MOODLE_VERSION=v5.3.0', `--build-arg PHP_VERSION=${release.buildPhp}`, `--build-arg BASE_IMAGE=${base}`,
      `--build-arg COMPOSER_IMAGE=${composer}`, `--label org.opencontainers.image.revision=${release.commit}`,
      `--label org.opencontainers.image.base.digest=${digest('b')}`, '--tag repo.example/moodle:tag']) {
      expect(dockerBuild).toContain(expected);
    }
    expect(result.record).toBe(`BASE_IMAGE=${base}\nCOMPOSER_BASE_IMAGE=${composer}\nMOODLE_COMMIT=${release.commit}\n`);
    expect(result.output).toContain(`base image public.ecr.aws/docker/library/php:${release.buildPhp}-apache-trixie is ${digest('b')}`);
  });

  test('another release builds on its own PHP (4.5 LTS: 8.3, which 4.5 supports and 8.4 it rejects)', () => {
    const result = build({ MOODLE_VERSION: 'v4.5.15' });
    expect(result).toMatchObject({ status: 0 });
    expect(result.calls[0]).toBe('pull public.ecr.aws/docker/library/php:8.3-apache-trixie');
    expect(result.calls[2]).toContain('--build-arg PHP_VERSION=8.3');
  });

  test('a pinned digest is pulled by digest; a registry that answers another digest fails', () => {
    const pinned = build({ BASE_IMAGE_DIGEST: digest('b'), PINNED: digest('b') });
    expect(pinned).toMatchObject({ status: 0 });
    expect(pinned.calls[0]).toBe(`pull public.ecr.aws/docker/library/php@${digest('b')}`);
    const pinnedWithoutDigestLine = build({ BASE_IMAGE_DIGEST: digest('b'), PINNED: digest('b'), NO_DIGEST_LINE: '1' });
    expect(pinnedWithoutDigestLine).toMatchObject({ status: 0 });
    const other = build({ BASE_IMAGE_DIGEST: digest('b'), PINNED: digest('d') });
    expect(other.output).toMatch(/base image was pinned to sha256:b{64} but the registry gave sha256:d{64}/);
    expect(build({ BASE_IMAGE_DIGEST: 'latest' }).output).toMatch(/base image digest 'latest' is not sha256:<64 lower-case hex digits>/);
  });

  test('a mirror replaces the registries', () => {
    const result = build({ PHP_IMAGE_REPOSITORY: 'mirror.example.edu:5000/library/php', COMPOSER_IMAGE: 'mirror.example.edu:5000/library/composer:2.8' });
    expect(result).toMatchObject({ status: 0 });
    expect(result.calls[0]).toBe('pull mirror.example.edu:5000/library/php:8.4-apache-trixie');
    expect(result.calls[1]).toBe('pull mirror.example.edu:5000/library/composer:2.8');
    const mirrored = build({ MOODLE_GIT_URL: 'https://git.example.edu/moodle.git' });
    expect(mirrored.calls[2]).toContain('--build-arg MOODLE_GIT_URL=https://git.example.edu/moodle.git');
    expect(build({ COMPOSER_IMAGE: `composer:2@${digest('c')}` }).output).toMatch(/COMPOSER_IMAGE .* must be <repository>:<tag> \(pin it with COMPOSER_IMAGE_DIGEST\)/);
  });

  test('without a digest line from the pull, the pulled reference\'s RepoDigests name it', () => {
    const result = build({ NO_DIGEST_LINE: '1' });
    expect(result).toMatchObject({ status: 0 });
    expect(result.calls[1]).toMatch(/^image inspect --format \{\{range \.RepoDigests\}\}/);
    expect(result.record).toContain(`-apache-trixie@${digest('b')}`);
  });

  test('--record-of: an image built before gives its record from its labels, or says it has none', () => {
    const labelled = build({ LABELS: `public.ecr.aws/docker/library/php:8.4-apache-trixie\n${digest('b')}\ncomposer:2@${digest('c')}\n${'e'.repeat(40)}` }, ['--record-of', 'repo.example/moodle:old']);
    expect(labelled.record).toBe(`BASE_IMAGE=public.ecr.aws/docker/library/php:8.4-apache-trixie@${digest('b')}\nCOMPOSER_BASE_IMAGE=composer:2@${digest('c')}\nMOODLE_COMMIT=${'e'.repeat(40)}\n`);
    const unlabelled = build({ LABELS: '\n\n\n' }, ['--record-of', 'repo.example/moodle:bootstrap']);
    expect(unlabelled.record).toMatch(/^BASE_IMAGE=not recorded \(built before its build recorded the base image\)\n/);
  });

  test('a release outside the table fails before any pull', () => {
    const result = build({ MOODLE_VERSION: 'v5.1.6' });
    expect(result.status).not.toBe(0);
    expect(result.output).toMatch(/Moodle release 'v5\.1\.6' is not in .*moodle-releases\.json \(v5\.3\.0, v5\.2\.4, v5\.1\.8, v5\.0\.11, v4\.5\.15\)/);
    expect(result.calls).toEqual([]);
  });
});

describe('check-php-extensions.php: Moodle\'s own environment.xml decides', () => {
  function fakeTree(extension: string): string {
    const tree = tempDir('env-tree-');
    fs.mkdirSync(path.join(tree, 'admin'));
    fs.writeFileSync(path.join(tree, 'version.php'), "<?php\n$version = 2026100500.00;\n$release = '5.3';\n$branch = '503';\n$maturity = MATURITY_STABLE;\n");
    fs.writeFileSync(path.join(tree, 'admin', 'environment.xml'), `<?xml version="1.0"?>\n<COMPATIBILITY_MATRIX><MOODLE version="5.3" requires="4.4">
      <PHP version="7.0.0" level="required"/><PHP_EXTENSIONS>
      <PHP_EXTENSION name="${extension}" level="required"/><PHP_EXTENSION name="notloaded_optional" level="optional"/></PHP_EXTENSIONS></MOODLE></COMPATIBILITY_MATRIX>\n`);
    return tree;
  }
  const check = (tree: string) => run('php', [path.join(BUILD, 'check-php-extensions.php'), tree]);
  const phpMinor = () => run('php', ['-r', 'echo PHP_MAJOR_VERSION, ".", PHP_MINOR_VERSION;']).output;

  test('a PHP version the release table does not list for the release fails the build', () => {
    const table = path.join(tempDir('php-table-'), 'moodle-releases.json');
    fs.writeFileSync(table, JSON.stringify({ releases: [{ tag: 'v4.5.15', php: ['7.4'] }, { tag: 'v5.3.0', php: [`${phpMinor()}`] }] }));
    const tree = fakeTree('json');
    const refused = run('php', [path.join(BUILD, 'check-php-extensions.php'), tree, table, 'v4.5.15']);
    expect(refused.output).toContain(`Moodle v4.5.15 supports PHP 7.4; this is PHP ${phpMinor()}: build with the table's PHP_VERSION`);
    const accepted = run('php', [path.join(BUILD, 'check-php-extensions.php'), tree, table, 'v5.3.0']);
    expect(accepted.output).not.toContain('supports PHP');
  });

  test('a required extension PHP does not have fails the build, naming it', () => {
    const result = check(fakeTree('moodle_fargate_missing'));
    expect(result.status).toBe(1);
    expect(result.output).toContain('PHP extension moodle_fargate_missing is not loaded');
    expect(result.output).not.toContain('notloaded_optional');
  });
});
