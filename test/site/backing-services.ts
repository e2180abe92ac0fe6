import { ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Processes, run, waitFor } from './processes';

/**
 * The AWS services a Moodle task talks to, as local stand-ins on loopback addresses: MariaDB for RDS/Aurora
 * MySQL (TLS, a master user like RDS's) and Redis for ElastiCache Valkey (TLS and AUTH). Their certificates
 * come from a throwaway CA, which stands in for the RDS CA bundle and the public CA of ElastiCache.
 */

const SBIN = ['/usr/sbin', '/sbin', '/usr/bin'];

export function requireTool(tool: string, debianPackage: string): string {
  for (const dir of [...(process.env.PATH ?? '').split(':'), ...SBIN]) {
    const candidate = path.join(dir, tool);
    if (dir && fs.existsSync(candidate)) return candidate;
  }
  throw new Error(`${tool} not found: install the Debian package ${debianPackage} (bash scripts/setup.sh does)`);
}

export interface Certificate { readonly cert: string; readonly key: string }

export class TestCa {
  readonly caFile: string;
  /** A hashed certificate directory (as /etc/ssl/certs after update-ca-certificates) holding only the CA. */
  readonly caPath: string;
  private readonly caKey: string;

  constructor(private readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true });
    this.caFile = path.join(dir, 'ca.pem');
    this.caKey = path.join(dir, 'ca.key');
    run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=moodle-site-test-ca',
      '-keyout', this.caKey, '-out', this.caFile]);
    this.caPath = path.join(dir, 'certs');
    fs.mkdirSync(this.caPath);
    fs.copyFileSync(this.caFile, path.join(this.caPath, 'moodle-site-test-ca.pem'));
    run('openssl', ['rehash', this.caPath]);
  }

  /** A server certificate for DNS names or IP addresses. */
  issue(name: string, ...alternativeNames: string[]): Certificate {
    const base = path.join(this.dir, name.replace(/[^A-Za-z0-9.-]/g, '_'));
    const san = [name, ...alternativeNames].map((n) => (/^\d+\.\d+\.\d+\.\d+$/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(', ');
    fs.writeFileSync(`${base}.ext`, `subjectAltName = ${san}\n`);
    run('openssl', ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name}`, '-keyout', `${base}.key`, '-out', `${base}.csr`]);
    run('openssl', ['x509', '-req', '-days', '2', '-in', `${base}.csr`, '-CA', this.caFile, '-CAkey', this.caKey,
      '-CAcreateserial', '-out', `${base}.pem`, '-extfile', `${base}.ext`]);
    fs.chmodSync(`${base}.key`, 0o644);
    return { cert: `${base}.pem`, key: `${base}.key` };
  }
}

/** A MariaDB string literal. */
function sqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export interface MariaDbOptions {
  readonly dir: string;
  readonly address: string;
  readonly port: number;
  readonly masterUser: string;
  readonly masterPassword: string;
  readonly databaseName: string;
  readonly certificate: Certificate;
  readonly caFile: string;
}

/** MariaDB with TLS, a master user holding every privilege (like RDS's) and the site's database created. */
export class MariaDb {
  readonly socket: string;
  private serverArgs: string[] = [];
  private server?: ChildProcess;

  constructor(private readonly processes: Processes, private readonly options: MariaDbOptions) {
    this.socket = path.join(options.dir, 'mariadb.sock');
  }

  /** The server process's pid (benchmarks measure its CPU); a restart gives a new one. */
  get pid(): number {
    if (!this.server?.pid) throw new Error('MariaDB has not started');
    return this.server.pid;
  }

  async start(): Promise<void> {
    const { dir, address, port, certificate, caFile } = this.options;
    const asRoot = process.getuid?.() === 0 ? ['--user=root'] : [];
    fs.mkdirSync(dir, { recursive: true });
    const init = path.join(dir, 'init.sql');
    fs.writeFileSync(init, [
      `CREATE USER ${sqlString(this.options.masterUser)}@'%' IDENTIFIED BY ${sqlString(this.options.masterPassword)};`,
      `GRANT ALL PRIVILEGES ON *.* TO ${sqlString(this.options.masterUser)}@'%' WITH GRANT OPTION;`,
      `CREATE DATABASE \`${this.options.databaseName}\` DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;`,
      '',
    ].join('\n'));
    run(requireTool('mariadb-install-db', 'mariadb-server-core'), ['--no-defaults', ...asRoot, `--datadir=${dir}/data`,
      '--skip-test-db', '--auth-root-authentication-method=socket']);
    this.serverArgs = [
      '--no-defaults', ...asRoot, `--datadir=${dir}/data`, `--socket=${this.socket}`, `--pid-file=${dir}/mariadb.pid`,
      `--tmpdir=${dir}`, `--bind-address=${address}`, `--port=${port}`, '--skip-name-resolve',
      `--ssl-ca=${caFile}`, `--ssl-cert=${certificate.cert}`, `--ssl-key=${certificate.key}`,
      '--innodb-buffer-pool-size=256M', '--innodb-flush-log-at-trx-commit=2', '--skip-log-bin',
    ];
    await this.startServer([`--init-file=${init}`]);
  }

  private async startServer(extra: string[] = []): Promise<void> {
    this.server = this.processes.start('mariadb', requireTool('mariadbd', 'mariadb-server-core'), [...this.serverArgs, ...extra]);
    await waitFor('MariaDB to accept connections', 30_000, async () => {
      this.sql('SELECT 1');
      return true;
    });
  }

  /** Restarts the server as a reboot does (a clean shutdown, down for `downMs`, then up with the same data); resolves once it answers. */
  async restart(downMs: number): Promise<{ downAt: number; upAt: number }> {
    const server = this.server!;
    const stopped = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    await stopped;
    const downAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, downMs));
    await this.startServer();
    return { downAt, upAt: Date.now() };
  }

  /** Creates (or replaces) a master user like RDS's, for a second stack's master secret. */
  createMaster(user: string, password: string): void {
    this.sql(`CREATE OR REPLACE USER ${sqlString(user)}@'%' IDENTIFIED BY ${sqlString(password)}; ` +
      `GRANT ALL PRIVILEGES ON *.* TO ${sqlString(user)}@'%' WITH GRANT OPTION;`);
  }

  /** Runs SQL as the local root (socket authentication) and returns tab-separated rows. */
  sql(statement: string, database = ''): string {
    return run(requireTool('mariadb', 'mariadb-client'), ['--no-defaults', `--socket=${this.socket}`, '-uroot', '--batch',
      '--skip-column-names', ...(database ? [database] : []), '-e', statement]);
  }
}

export interface RedisOptions {
  readonly dir: string;
  readonly address: string;
  readonly port: number;
  readonly password: string;
  readonly tls: boolean;
  readonly certificate: Certificate;
  readonly caFile: string;
  /** Another Redis this one replicates (a read replica of a replication group), at its address and port. */
  readonly replicaOf?: string;
  /** The process's name in the test's process list. @default 'redis' */
  readonly name?: string;
}

/** Redis with TLS (no plain port) and AUTH, as ElastiCache with transit encryption and an AUTH token. */
export class Redis {
  private server?: ChildProcess;

  constructor(private readonly processes: Processes, private readonly options: RedisOptions) {}

  /** The server process's pid (benchmarks measure its CPU). */
  get pid(): number {
    if (!this.server?.pid) throw new Error('Redis has not started');
    return this.server.pid;
  }

  get address(): string {
    return this.options.address;
  }

  get port(): number {
    return this.options.port;
  }

  /** A replica of this server at another address, with the same certificate, AUTH token and port (a replication group's reader). */
  replica(address: string, dir: string): Redis {
    return new Redis(this.processes, { ...this.options, address, dir, replicaOf: this.options.address, name: `redis-${address}` });
  }

  async start(): Promise<void> {
    const { dir, address, port, password, tls, certificate, caFile } = this.options;
    fs.mkdirSync(dir, { recursive: true });
    const conf = path.join(dir, 'redis.conf');
    fs.writeFileSync(conf, [
      `bind ${address}`,
      tls ? 'port 0' : `port ${port}`,
      ...(tls ? [`tls-port ${port}`, `tls-cert-file ${certificate.cert}`, `tls-key-file ${certificate.key}`,
        `tls-ca-cert-file ${caFile}`, 'tls-auth-clients no'] : []),
      `requirepass "${password}"`,
      `dir ${dir}`,
      'save ""',
      'appendonly no',
      ...(this.options.replicaOf ? [`replicaof ${this.options.replicaOf} ${port}`, `masterauth "${password}"`, ...(tls ? ['tls-replication yes'] : [])] : []),
      '',
    ].join('\n'));
    this.server = this.processes.start(this.options.name ?? 'redis', requireTool('redis-server', 'redis-server'), [conf]);
    await waitFor('Redis to answer PING', 15_000, async () => (this.cli('PING').trim() === 'PONG' ? true : undefined));
  }

  /** Lets a second AUTH token in too (another stack's secret), as `ACL SETUSER default >token`. */
  addPassword(password: string): void {
    this.cli('ACL', 'SETUSER', 'default', `>${password}`);
  }

  cli(...args: string[]): string {
    const { address, port, password, tls, caFile } = this.options;
    return run(requireTool('redis-cli', 'redis-tools'), ['-h', address, '-p', String(port),
      ...(tls ? ['--tls', '--cacert', caFile] : []), '--no-auth-warning', '-a', password, ...args]);
  }
}
