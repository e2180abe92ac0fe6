import { ChildProcess, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { MariaDb, Redis, requireTool, TestCa } from './backing-services';
import { IMAGE_DIR, ImageFacts, readImageFacts } from './dockerfile';
import { EdgeProxy } from './edge-proxy';
import { PhpFpmOptions, PhpFpmTask, phpFpmTask } from './php-fpm';
import { exited, outputFlushed, Processes, run, waitFor } from './processes';
import { LocalEndpoints, LocalSecrets, PathMap, roleEnvironment } from './role-environment';
import {
  CfnTemplate, edgeBehaviors, loadBalancerAttributes, readTemplate, RoleContainer, roleContainers, webHealthCheck,
} from './task-definitions';

/**
 * A Moodle site on this machine, built from a synthesized template and the image's own scripts: MariaDB and
 * Redis stand in for the database and the cache, each task is src/image/bin/entrypoint.sh run with its
 * role's environment (as the image's user), and web tasks are Apache with mod_php and the project's own
 * Apache and PHP configuration. Everything listens on its own loopback address.
 */

function fail(message: string): never {
  throw new Error(message);
}

export const PROJECT_DIR = path.join(__dirname, '..', '..');
const SHARED_MOODLE = path.join(PROJECT_DIR, '..', 'shared', 'moodle');

/**
 * The Moodle trees the site tests run on: a variable each (a user with internet access can point it at a
 * downloaded release), with the shared tarballs as defaults. MOODLE_SOURCE is the main site test's tree.
 */
export const MOODLE_TREES = {
  '4.5': process.env.MOODLE_45_SOURCE || path.join(SHARED_MOODLE, 'moodle-4.5.0.tar.xz'),
  '5.0': process.env.MOODLE_SOURCE || path.join(SHARED_MOODLE, 'moodle-5.0.6plus.tar.xz'),
  '5.1': process.env.MOODLE_51_SOURCE || path.join(SHARED_MOODLE, 'moodle-5.1.5-iomad.tar.xz'),
} as const;

export const ADDRESSES = {
  database: '127.0.0.2',
  cache: '127.0.0.3',
  edge: '127.0.0.10',
  loadBalancer: '127.0.0.20',
  cloudFront: '127.0.0.21',
} as const;
export const SITE_HOST = 'moodle.site.test';

/** A running (or finished) task: the entrypoint process and where its output goes. */
export interface Task {
  readonly name: string;
  readonly role: string;
  readonly process: ChildProcess;
  readonly address?: string;
  readonly port?: number;
  log(): string;
  /** The task's process groups (signals and CPU accounting): the entrypoint's, and a PHP-FPM master's. */
  processGroups(): number[];
}

/** A synthesized template's task definitions and the secret values generated for it. */
export class SiteTemplate {
  readonly template: CfnTemplate;
  readonly roles: Record<string, RoleContainer>;
  readonly secrets: LocalSecrets;

  /** `secrets`: another template's, for a variant with the same logical IDs (the same stack and construct IDs). */
  constructor(readonly file: string, secrets?: LocalSecrets) {
    this.template = readTemplate(file);
    this.roles = roleContainers(this.template);
    this.secrets = secrets ?? new LocalSecrets(this.template);
  }

  role(name: string): RoleContainer {
    const found = this.roles[name];
    if (!found) throw new Error(`${path.basename(this.file)} has no task definition with MOODLE_ROLE ${name} (has: ${Object.keys(this.roles).join(', ')})`);
    return found;
  }

  /** The value ECS injects for one of a role's secrets. */
  secret(roleName: string, variable: string): string {
    const ref = this.role(roleName).secrets[variable];
    if (!ref) throw new Error(`the ${roleName} task gets no secret ${variable}`);
    return this.secrets.value(ref.secret, ref.jsonKey);
  }
}

export class LocalSite {
  readonly dir: string;
  readonly tree: string;
  readonly dataroot: string;
  readonly processes: Processes;
  readonly image: ImageFacts;
  readonly main: SiteTemplate;
  readonly endpoints: LocalEndpoints = { databaseAddress: ADDRESSES.database, cacheAddress: ADDRESSES.cache, siteHost: SITE_HOST };
  ca!: TestCa;
  database!: MariaDb;
  redis!: Redis;
  edge!: EdgeProxy;
  private readonly runAs?: { uid: number; gid: number };

  constructor(templateFile: string) {
    // Not under /tmp: a task with a read-only root file system gets a /tmp of its own (readonly-root.sh).
    this.dir = fs.mkdtempSync(path.join(process.env.SITE_TEST_DIR ?? '/var/tmp', 'moodle-site-test-'));
    fs.chmodSync(this.dir, 0o755);
    this.tree = path.join(this.dir, 'moodle');
    this.dataroot = path.join(this.dir, 'moodledata');
    this.processes = new Processes(path.join(this.dir, 'logs'));
    this.image = readImageFacts();
    this.main = new SiteTemplate(templateFile);
    // As root (CI), tasks run as the image's user, as in the container; otherwise as the current user.
    this.runAs = process.getuid?.() === 0 ? this.image.user : undefined;
  }

  get template(): CfnTemplate {
    return this.main.template;
  }

  role(name: string): RoleContainer {
    return this.main.role(name);
  }

  /** Unpacks Moodle (default MOODLE_SOURCE, else the shared 5.0.6+ tarball) read-only, as the image bakes it. */
  unpackMoodle(source: string = MOODLE_TREES['5.0']): void {
    if (!fs.existsSync(source)) {
      throw new Error(`Moodle source ${source} not found: set MOODLE_SOURCE to a Moodle release tarball (.tgz or .tar.xz with a moodle/ folder)`);
    }
    fs.mkdirSync(this.tree);
    run('tar', ['-xf', source, '--strip-components=1', '-C', this.tree]);
    // The test's slow page for graceful-stop checks (code is read-only in the image; this file exists only here).
    fs.writeFileSync(path.join(this.docroot(), 'site-test-slow.php'),
      // Wall-clock seconds: sleep() returns early when a signal (Apache's graceful stop) reaches the process.
      "<?php\n$end = microtime(true) + (int) ($_GET['s'] ?? 3);\nwhile (($left = $end - microtime(true)) > 0) { usleep((int) ($left * 1e6)); }\n" +
      "header('Content-Type: text/plain');\necho \"slow request finished\\n\";\n");
    // As in the image: config.php is a symlink to the file the entrypoint writes at start.
    const configPath = this.containerToLocal('/run/moodle/config.php', 'shared');
    fs.symlinkSync(configPath, path.join(this.tree, 'config.php'));
    this.makeDir(path.dirname(configPath));
    this.makeDir(this.dataroot, 0o770);
  }

  /**
   * Another image on the same site: the code replaced by another release's tree, the tasks' local directories
   * (config.php, Moodle's local cache) gone as with new tasks; the database and moodledata stay.
   */
  replaceMoodle(source: string): void {
    fs.rmSync(this.tree, { recursive: true, force: true });
    fs.rmSync(path.join(this.dir, 'tasks'), { recursive: true, force: true });
    this.unpackMoodle(source);
  }

  /** The tree's admin/cli folder (as entrypoint.sh finds it: public/admin/cli where a tree has one). */
  cliDir(): string {
    const publicCli = path.join(this.tree, 'public', 'admin', 'cli');
    return fs.existsSync(publicCli) ? publicCli : path.join(this.tree, 'admin', 'cli');
  }

  docroot(): string {
    return fs.existsSync(path.join(this.tree, 'public')) ? path.join(this.tree, 'public') : this.tree;
  }

  /** Certificates, MariaDB and Redis where the template's endpoints point, with the template's master user and AUTH token. */
  async startBackingServices(): Promise<void> {
    this.ca = new TestCa(path.join(this.dir, 'ca'));
    const install = this.role('install-or-upgrade');
    const master = install.secrets.MOODLE_DB_ADMIN_USER;
    if (!master) throw new Error('the install-or-upgrade task gets no MOODLE_DB_ADMIN_USER secret (the master credentials)');
    const masterJson = this.main.secrets.json(master.secret);
    const dbResource = this.databaseResource();
    const cacheResource = this.cacheResource();
    const auth = install.secrets.MOODLE_REDIS_AUTH;
    this.database = new MariaDb(this.processes, {
      dir: path.join(this.dir, 'mariadb'),
      address: ADDRESSES.database,
      port: Number(dbResource.Port ?? 3306),
      masterUser: masterJson.username,
      masterPassword: masterJson.password,
      databaseName: dbResource.DatabaseName ?? dbResource.DBName,
      certificate: this.ca.issue(ADDRESSES.database),
      caFile: this.ca.caFile,
    });
    this.redis = new Redis(this.processes, {
      dir: path.join(this.dir, 'redis'),
      address: ADDRESSES.cache,
      port: Number(cacheResource.Port ?? 6379),
      password: auth ? this.main.secrets.value(auth.secret, auth.jsonKey) : '',
      // ElastiCache Serverless always encrypts in transit; a replication group says so in its properties.
      tls: cacheResource.TransitEncryptionEnabled ?? true,
      certificate: this.ca.issue(ADDRESSES.cache),
      caFile: this.ca.caFile,
    });
    await Promise.all([this.database.start(), this.redis.start()]);
  }

  /** The database the stack creates (an Aurora cluster, else an RDS instance), found by type, not through a variable. */
  private databaseResource(): Record<string, any> {
    return this.onlyResource(['AWS::RDS::DBCluster']) ?? this.onlyResource(['AWS::RDS::DBInstance'])
      ?? fail('the template creates no database');
  }

  private cacheResource(): Record<string, any> {
    return this.onlyResource(['AWS::ElastiCache::ServerlessCache', 'AWS::ElastiCache::ReplicationGroup']) ?? fail('the template creates no cache');
  }

  private onlyResource(types: string[]): Record<string, any> | undefined {
    const found = Object.values(this.template.Resources).filter((r) => types.includes(r.Type));
    if (found.length > 1) throw new Error(`the template has ${found.length} resources of type ${types.join(' or ')}; the site test expects one`);
    return found[0]?.Properties;
  }

  /** The TLS terminator with CloudFront's and the load balancer's headers, for the template's distribution. */
  async startEdge(...otherHosts: string[]): Promise<void> {
    const behaviors = edgeBehaviors(this.template);
    this.edge = new EdgeProxy({
      address: ADDRESSES.edge,
      certificate: this.ca.issue(SITE_HOST, ...otherHosts),
      loadBalancerAddress: ADDRESSES.loadBalancer,
      cloudFrontAddress: ADDRESSES.cloudFront,
      cachedPathPatterns: behaviors.cachedPathPatterns,
      originTimeoutMs: behaviors.originReadTimeoutSeconds * 1000,
      xffMode: loadBalancerAttributes(this.template)['routing.http.xff_header_processing.mode'] ?? 'append',
    });
    await this.edge.start(443);
  }

  /** The environment ECS would give a task of this role, mapped to this machine. */
  environment(roleName: string, instance: string, site: SiteTemplate = this.main): Record<string, string> {
    const container = site.role(roleName);
    const paths: PathMap = [
      ['/var/www/html', this.tree],
      ['/run/moodle/config.php', this.containerToLocal('/run/moodle/config.php', 'shared')],
      ['/run/moodle', this.containerToLocal('/run/moodle', instance)],
      ['/var/cache/moodle-local', this.volumeToLocal('/var/cache/moodle-local', instance)],
      ...container.localVolumePaths.map((volume) => [volume, this.volumeToLocal(volume, instance)] as const),
      // The image adds the RDS CAs to the system's hashed directory; here the test CA signed every server certificate.
      ['/etc/ssl/certs', this.ca.caPath],
      ...container.mountPaths.map((mount) => [mount, this.dataroot] as const),
      // Files the Dockerfile copies into a folder (the release table, next to the scripts): their source here.
      ...this.image.copies.filter(([source, target]) => target.endsWith('/') && fs.statSync(path.join(IMAGE_DIR, source)).isFile())
        .map(([source, target]) => [`${target}${path.basename(source)}`, path.join(IMAGE_DIR, source)] as const),
    ];
    const env = roleEnvironment({
      template: site.template, container, imageEnvironment: this.image.environment, endpoints: this.endpoints, secrets: site.secrets, paths,
    });
    return {
      ...env,
      // ElastiCache's certificate chains to a public CA in the system bundle (generate-config.php's default);
      // here the test CA signed Redis's certificate.
      MOODLE_REDIS_CA_FILE: this.ca.caFile,
    };
  }

  /**
   * The local stand-in of a task-local volume. Every local task reads the one config.php the shared tree
   * links to, so its localcachedir (written into config.php) is one directory too: the last task started
   * would otherwise point every other task at a cache directory only it may write.
   */
  private volumeToLocal(containerPath: string, instance: string): string {
    return this.containerToLocal(containerPath, containerPath === '/var/cache/moodle-local' ? 'shared' : instance);
  }

  private containerToLocal(containerPath: string, instance: string): string {
    return path.join(this.dir, 'tasks', instance, containerPath.replace(/^\//, ''));
  }

  private makeDir(dir: string, mode = 0o750): void {
    fs.mkdirSync(dir, { recursive: true, mode });
    if (this.runAs) {
      for (let d = dir; d.startsWith(this.dir) && d !== this.dir; d = path.dirname(d)) {
        fs.chownSync(d, this.runAs.uid, this.runAs.gid);
      }
    }
  }

  /**
   * Starts a task: src/image/bin/entrypoint.sh with the role's environment. Web tasks listen on `address` at
   * the port the project's Apache configuration names.
   */
  startTask(roleName: string, name: string, options: {
    address?: string;
    template?: SiteTemplate;
    cpuShare?: number;
    /** The task's memory limit, as a Fargate task size's (benchmarks). */
    memoryMiB?: number;
    timings?: Record<string, string>;
    /** Apache directives after the image's configuration (benchmarks compare configurations with it). */
    apacheOverrides?: string;
    /** Event MPM + PHP-FPM instead of the image's prefork + mod_php (benchmarks compare them). */
    phpFpm?: PhpFpmOptions;
    /** Variables that differ from the task definition's because a local stand-in differs from AWS (each says why). */
    standInEnvironment?: Record<string, string>;
  } = {}): Task {
    // timings: shorter waits than the task definition's, for the test's clock only (never a configuration value).
    const container = (options.template ?? this.main).role(roleName);
    const env = { ...this.environment(roleName, name, options.template), ...options.timings, ...options.standInEnvironment };
    // The task-local volumes of the task definition: the only local directories the task may write, with moodledata.
    const volumeDirs = new Map(container.localVolumePaths.map((volume) => [volume, this.volumeToLocal(volume, name)]));
    for (const dir of [env.MOODLE_RUNTIME_DIR, env.MOODLE_LOCALCACHEDIR, ...volumeDirs.values()]) this.makeDir(dir);
    const home = path.join(this.dir, 'tasks', name, 'home');
    this.makeDir(home);
    const processEnv: Record<string, string> = {
      ...env,
      HOME: home,
      PATH: `${this.binDir()}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
      // The image's PHP ini (COPY conf/php-moodle.ini into PHP's conf.d): the leading ':' keeps PHP's own scan dir.
      PHP_INI_SCAN_DIR: `:${this.phpConfDir()}`,
    };
    let port: number | undefined;
    let fpm: PhpFpmTask | undefined;
    if (roleName === 'web') {
      if (!options.address) throw new Error('a web task needs an address');
      fpm = options.phpFpm && phpFpmTask(volumeDirs.get('/var/run/apache2') ?? home, options.phpFpm);
      const apache = this.apacheConfig(name, options.address, volumeDirs, [fpm?.apacheDirectives, options.apacheOverrides].filter(Boolean).join('\n'), !!fpm);
      port = apache.port;
      if (fpm) Object.assign(processEnv, { SITE_TEST_PHP_FPM: fpm.binary, SITE_TEST_PHP_FPM_CONF: fpm.conf });
      Object.assign(processEnv, {
        SITE_TEST_APACHE_CONF: apache.file,
        // /etc/apache2/envvars in the image: the docroot, and the worker count with the Dockerfile's default.
        MOODLE_DOCROOT: this.docroot(),
        APACHE_MAX_REQUEST_WORKERS: processEnv.APACHE_MAX_REQUEST_WORKERS ?? '40',
        APACHE_GRACEFUL_SHUTDOWN_TIMEOUT: processEnv.APACHE_GRACEFUL_SHUTDOWN_TIMEOUT ?? '65',
      });
    }
    const entrypoint = path.join(IMAGE_DIR, 'bin', 'entrypoint.sh');
    let child: ChildProcess;
    if (container.readonlyRootFilesystem) {
      // The task's /tmp volume is a local directory elsewhere (the real /tmp stays read-only, and may hold this
      // project): PHP's temporary files follow TMPDIR, OPcache's lock file opcache.lockfile_path (default /tmp).
      const tmp = volumeDirs.get('/tmp')!;
      processEnv.TMPDIR = tmp;
      const iniDir = path.join(env.MOODLE_RUNTIME_DIR, 'php.d');
      this.makeDir(iniDir);
      fs.writeFileSync(path.join(iniDir, '95-site-test-tmp.ini'), `opcache.lockfile_path = "${tmp}"\n`);
      child = this.processes.start(name, READONLY_ROOT, [...this.readonlyRootArgs(container, volumeDirs), entrypoint], {
        env: processEnv, cwd: home, logOwner: this.runAs,
      });
    } else {
      child = this.processes.start(name, entrypoint, [], {
        env: processEnv,
        cwd: home,
        ...(this.runAs ? { uid: this.runAs.uid, gid: this.runAs.gid } : {}),
      });
    }
    limitTask(child, name, { cpuShare: options.cpuShare, memoryMiB: options.memoryMiB });
    const fpmPidFile = fpm?.pidFile;
    const processGroups = () => {
      const fpmMaster = fpmPidFile && fs.existsSync(fpmPidFile) ? Number(fs.readFileSync(fpmPidFile, 'utf8').trim()) : undefined;
      return [child.pid!, ...(fpmMaster ? [fpmMaster] : [])];
    };
    return { name, role: roleName, process: child, address: options.address, port, log: () => this.processes.log(name), processGroups };
  }

  /**
   * readonly-root.sh's arguments for a task of this container: its user, its /tmp volume, then what it may
   * write as in the container (its task-local volumes, and moodledata, EFS), up to the `--`.
   */
  private readonlyRootArgs(container: RoleContainer, volumeDirs: Map<string, string>): string[] {
    if (!this.runAs) throw new Error(`the ${container.role} task has a read-only root file system, which the site test can only set up as root`);
    if (!volumeDirs.has('/tmp')) throw new Error(`the ${container.role} task definition mounts no task-local volume at /tmp`);
    // config.php is one file for every local task (the shared tree links it to one place).
    const writable = [...volumeDirs.values(), path.dirname(this.containerToLocal('/run/moodle/config.php', 'shared')), this.dataroot];
    return [container.user ?? `${this.runAs.uid}:${this.runAs.gid}`, ...writable, '--'];
  }

  /** Runs a shell script the way a task of the role runs (its user, its file systems); its exit code and output. */
  probeTask(roleName: string, name: string, script: string): { status: number; output: string } {
    const container = this.main.role(roleName);
    const volumeDirs = new Map(container.localVolumePaths.map((volume) => [volume, this.volumeToLocal(volume, name)]));
    for (const dir of volumeDirs.values()) this.makeDir(dir);
    const result = spawnSync(READONLY_ROOT, [...this.readonlyRootArgs(container, volumeDirs), 'sh', '-c', script], {
      encoding: 'utf8', env: { ...process.env, TMPDIR: volumeDirs.get('/tmp') },
    });
    return { status: result.status ?? -1, output: `${result.stdout}${result.stderr}` };
  }

  /** Runs a task to its end; resolves with its exit code and output. */
  async runTask(
    roleName: string, name: string, timeoutMs: number, template?: SiteTemplate, cpuShare?: number, standInEnvironment?: Record<string, string>,
  ): Promise<{ code: number; output: string }> {
    const task = this.startTask(roleName, name, { template, cpuShare, standInEnvironment });
    const code = await exited(task.process, timeoutMs);
    await outputFlushed(task.process);
    return { code, output: task.log() };
  }

  /** For benchmarks: Moodle, its servers and the edge started, and the site installed by its install-or-upgrade role. */
  async startInstalled(): Promise<void> {
    this.unpackMoodle();
    await this.startBackingServices();
    await this.startEdge();
    const install = await this.runTask('install-or-upgrade', 'install', 600_000);
    if (install.code !== 0) throw new Error(`install failed:\n${install.output.slice(-3000)}`);
  }

  /** moodleCli, failing with the script's output unless it exits 0; its output. */
  moodleCliChecked(roleName: string, script: string, args: string[]): string {
    const result = this.moodleCli(roleName, script, args);
    if (result.status !== 0) throw new Error(`${script} failed:\n${result.output.slice(-2000)}`);
    return result.output;
  }

  /** Runs a PHP CLI script of Moodle's (admin/cli/...) as a task of this role would. */
  moodleCli(roleName: string, script: string, args: string[]): { status: number; output: string } {
    const env = this.environment(roleName, 'cli');
    const cliDir = this.cliDir();
    this.makeDir(env.MOODLE_RUNTIME_DIR);
    fs.mkdirSync(path.join(env.MOODLE_RUNTIME_DIR, 'php.d'), { recursive: true });
    fs.writeFileSync(path.join(env.MOODLE_RUNTIME_DIR, 'php.d', '90-db-ca.ini'), `openssl.capath = "${env.MOODLE_DB_CA_PATH}"\n`);
    const result = spawnSync('php', [path.join(cliDir, script), ...args], {
      encoding: 'utf8',
      env: { ...env, PATH: process.env.PATH, HOME: this.dir, PHP_INI_SCAN_DIR: `:${this.phpConfDir()}:${env.MOODLE_RUNTIME_DIR}/php.d` },
      ...(this.runAs ? { uid: this.runAs.uid, gid: this.runAs.gid } : {}),
    });
    return { status: result.status ?? -1, output: `${result.stdout}${result.stderr}` };
  }

  /** The health check the target group runs, against one task. */
  async waitHealthy(task: Task, timeoutMs = 30_000): Promise<void> {
    const health = webHealthCheck(this.template);
    if (task.port !== health.port) {
      throw new Error(`the web task listens on ${task.port} (src/image/conf/apache-moodle.conf) but the target group checks port ${health.port}`);
    }
    await waitFor(`${task.name} to pass the health check ${health.path}`, timeoutMs, async () => {
      if (task.process.exitCode !== null) throw new Error(`${task.name} exited with ${task.process.exitCode}:\n${task.log()}`);
      const res = await fetch(`http://${task.address}:${health.port}${health.path}`);
      return String(res.status) === health.matcher ? true : undefined;
    });
  }

  private binDir(): string {
    const dir = path.join(this.dir, 'bin');
    if (!fs.existsSync(dir)) {
      fs.mkdirSync(dir, { recursive: true });
      // Stand-in for the php:apache image's apache2-foreground, which the web role execs (PHP-FPM beside it for benchmarks).
      const apache2 = requireTool('apache2', 'apache2');
      fs.writeFileSync(path.join(dir, 'apache2-foreground'), [
        '#!/bin/sh',
        'if [ -n "${SITE_TEST_PHP_FPM:-}" ]; then "$SITE_TEST_PHP_FPM" --nodaemonize --fpm-config "$SITE_TEST_PHP_FPM_CONF" & fi',
        `exec ${apache2} -f "$SITE_TEST_APACHE_CONF" -DFOREGROUND "$@"`,
        '',
      ].join('\n'), { mode: 0o755 });
    }
    return dir;
  }

  private phpConfDir(): string {
    const dir = path.join(this.dir, 'php-conf.d');
    if (!fs.existsSync(dir)) {
      fs.mkdirSync(dir, { recursive: true });
      fs.copyFileSync(path.join(IMAGE_DIR, 'conf', 'php-moodle.ini'), path.join(dir, path.basename(this.image.phpIni)));
      // PHP's curl reads libcurl's default CA bundle in the image (the system's, /etc/ssl/certs/ca-certificates.crt);
      // here the test CA signed the stand-ins' certificates (the S3 stand-in's).
      fs.writeFileSync(path.join(dir, 'zz-site-test-curl-ca.ini'), `curl.cainfo = "${this.ca.caFile}"\n`);
    }
    return dir;
  }

  /**
   * Apache's main configuration for one web task: the modules Debian enables by default plus mod_php with the
   * prefork MPM (as in the php:apache image), then the project's conf file as the image installs it. Only its `Listen` line
   * is bound to the task's loopback address, keeping the port.
   */
  private apacheConfig(
    name: string, address: string, volumeDirs: Map<string, string>, overrides: string, phpFpm: boolean,
  ): { file: string; port: number } {
    const dir = path.join(this.dir, 'tasks', name, 'apache');
    this.makeDir(dir);
    // Apache's pid file and sockets (APACHE_RUN_DIR) and mutexes (APACHE_LOCK_DIR) in the task's volumes there.
    const runDir = volumeDirs.get('/var/run/apache2') ?? dir;
    const lockDir = volumeDirs.get('/var/lock/apache2') ?? dir;
    const conf = fs.readFileSync(path.join(IMAGE_DIR, 'conf', 'apache-moodle.conf'), 'utf8');
    const listens = [...conf.matchAll(/^Listen\s+(\d+)\s*$/gm)];
    if (listens.length !== 1) throw new Error('src/image/conf/apache-moodle.conf must have exactly one "Listen <port>" line');
    const port = Number(listens[0][1]);
    fs.writeFileSync(path.join(dir, 'moodle.conf'), this.imagePaths(conf.replace(/^Listen\s+(\d+)\s*$/m, `Listen ${address}:$1`)));
    const file = path.join(dir, 'apache2.conf');
    fs.writeFileSync(file, [
      'ServerRoot /etc/apache2',
      `PidFile ${runDir}/apache2.pid`,
      `DefaultRuntimeDir ${runDir}`,
      `Mutex file:${lockDir} default`,
      'ErrorLog /proc/self/fd/2',
      'LogLevel warn',
      'LogFormat "%h %l %u %t \\"%r\\" %>s %O \\"%{Referer}i\\" \\"%{User-Agent}i\\"" combined',
      ...apacheModules(phpFpm).map((moduleFile) => `Include ${moduleFile}`),
      `Include ${dir}/moodle.conf`,
      overrides,
      '',
    ].join('\n'));
    return { file, port };
  }

  /** Files the Dockerfile copies to fixed paths (the health check), placed under a local image root; the text's references follow them. */
  private imagePaths(text: string): string {
    const root = path.join(this.dir, 'image-root');
    let result = text;
    for (const [source, target] of this.image.copies) {
      const file = path.join(IMAGE_DIR, source);
      if (!fs.statSync(file).isFile() || target.endsWith('/')) continue;
      fs.mkdirSync(path.dirname(root + target), { recursive: true });
      fs.copyFileSync(file, root + target);
      result = result.split(path.dirname(target)).join(path.dirname(root + target));
    }
    return result;
  }

  async stop(keep: boolean): Promise<void> {
    await this.edge?.stop();
    await this.processes.stopAll();
    if (!keep) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The php:apache image's modules: Debian's default set, the prefork MPM and mod_php (or, for benchmarks, the event MPM and FastCGI). */
const APACHE_MODULES = ['access_compat', 'alias', 'auth_basic', 'authn_core', 'authn_file', 'authz_core',
  'authz_host', 'authz_user', 'autoindex', 'deflate', 'dir', 'env', 'filter', 'mime', 'negotiation', 'reqtimeout', 'setenvif', 'status'];

function apacheModules(phpFpm: boolean): string[] {
  const available = '/etc/apache2/mods-available';
  const php = fs.existsSync(available) ? fs.readdirSync(available).find((f) => /^php\d+\.\d+\.load$/.test(f)) : undefined;
  if (!php) throw new Error('mod_php not found in /etc/apache2/mods-available: install libapache2-mod-php (bash scripts/setup.sh does)');
  const phpModules = phpFpm ? ['mpm_event', 'proxy', 'proxy_fcgi'] : ['mpm_prefork', php.replace(/\.load$/, '')];
  return [...phpModules, ...APACHE_MODULES]
    .flatMap((module) => [`${available}/${module}.load`, `${available}/${module}.conf`])
    .filter((file) => fs.existsSync(file));
}

const READONLY_ROOT = path.join(__dirname, 'readonly-root.sh');

/**
 * Gives a task a Fargate task size's limits through cgroups (v1, as root): its CPU share (0.25 = 256 CPU units), that
 * fraction of one core per scheduling period as on Fargate, and its memory, beyond which the kernel's OOM killer ends
 * one of its processes. Processes the task starts later inherit the groups.
 */
function limitTask(child: ChildProcess, name: string, limits: { cpuShare?: number; memoryMiB?: number }): void {
  if (limits.cpuShare !== undefined) {
    joinCgroup(child, name, 'cpu', { 'cpu.cfs_period_us': '100000', 'cpu.cfs_quota_us': String(Math.round(limits.cpuShare * 100_000)) });
  }
  if (limits.memoryMiB !== undefined) {
    const bytes = String(limits.memoryMiB * 1024 * 1024);
    // With swap accounting on, memory and swap together: a Fargate task has no swap.
    const swap: Record<string, string> = fs.existsSync('/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes') ? { 'memory.memsw.limit_in_bytes': bytes } : {};
    joinCgroup(child, name, 'memory', { 'memory.limit_in_bytes': bytes, ...swap });
  }
}

/** The cgroup of a task started with a limit of this v1 controller (benchmarks read its cpu.stat). */
export function taskCgroup(controller: string, name: string, pid: number): string {
  return `/sys/fs/cgroup/${controller}/moodle-site-test-${name}-${pid}`;
}

/** Moves the task's entrypoint into a new cgroup of a v1 controller with these settings; the cgroup goes after the task. */
function joinCgroup(child: ChildProcess, name: string, controller: string, settings: Record<string, string>): void {
  const root = `/sys/fs/cgroup/${controller}`;
  if (!fs.existsSync(`${root}/tasks`)) throw new Error(`a task's ${controller} limit needs the cgroup v1 ${controller} controller at ${root} (and root)`);
  const dir = taskCgroup(controller, name, child.pid!);
  fs.mkdirSync(dir);
  for (const [file, value] of Object.entries(settings)) fs.writeFileSync(`${dir}/${file}`, value);
  fs.writeFileSync(`${dir}/tasks`, String(child.pid));
  child.once('exit', () => setTimeout(() => {
    try {
      fs.rmdirSync(dir); // a cgroup goes with rmdir once its processes are gone
    } catch {
      // still in use by a leftover process: the kernel keeps it until that ends
    }
  }, 500));
}
