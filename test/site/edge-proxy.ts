import * as fs from 'fs';
import * as http from 'http';
import * as https from 'https';
import { AddressInfo } from 'net';
import { Certificate } from './backing-services';

/**
 * The request path in front of the web tasks, on loopback: a TLS terminator that adds what CloudFront and
 * then the load balancer add before a request reaches a task.
 * - CloudFront appends the viewer's address to X-Forwarded-For (after anything the viewer sent) and forwards
 *   the viewer's Host; on the cached paths it forwards no cookies (the edge's static origin request policy).
 * - The load balancer appends the address of the CloudFront edge that connected to it, sets
 *   X-Forwarded-Proto/Port, and connects to a registered target from its own address.
 * Targets are registered and deregistered by the test, as ECS does with the target group.
 */
export interface EdgeProxyOptions {
  readonly address: string;
  readonly certificate: Certificate;
  /** The address the load balancer connects to the tasks from (what a task sees as REMOTE_ADDR). */
  readonly loadBalancerAddress: string;
  /** The address of the CloudFront edge as the load balancer sees it. */
  readonly cloudFrontAddress: string;
  /** Path patterns of the distribution's cached behaviors (no cookies reach the origin there). */
  readonly cachedPathPatterns: string[];
  /** CloudFront's origin response timeout. */
  readonly originTimeoutMs: number;
  /** The load balancer's `routing.http.xff_header_processing.mode`: append (its default), preserve or remove. */
  readonly xffMode: string;
}

export interface Target { readonly host: string; readonly port: number }

export class EdgeProxy {
  private server?: https.Server;
  private targets: Target[] = [];
  private next = 0;
  private readonly agents = new Map<string, http.Agent>();
  private readonly cached: RegExp[];

  constructor(private readonly options: EdgeProxyOptions) {
    this.cached = options.cachedPathPatterns.map(patternToRegExp);
  }

  /** Registers these targets; a deregistered target's idle connections are closed, as the load balancer does. */
  setTargets(targets: Target[]): void {
    const keys = new Set(targets.map(targetKey));
    for (const [key, agent] of this.agents) {
      if (!keys.has(key)) {
        // Requests in flight finish; idle connections, and each one a finished request frees, close.
        for (const sockets of Object.values(agent.freeSockets)) sockets?.forEach((socket) => socket.destroy());
        agent.on('free', (socket) => socket.destroy());
        this.agents.delete(key);
      }
    }
    this.targets = [...targets];
    this.next = 0;
  }

  private agentFor(target: Target): http.Agent {
    const key = targetKey(target);
    let agent = this.agents.get(key);
    if (!agent) {
      agent = new http.Agent({ keepAlive: true, localAddress: this.options.loadBalancerAddress } as http.AgentOptions);
      this.agents.set(key, agent);
    }
    return agent;
  }

  async start(port: number): Promise<void> {
    this.server = https.createServer({
      cert: fs.readFileSync(this.options.certificate.cert),
      key: fs.readFileSync(this.options.certificate.key),
    }, (req, res) => this.forward(req, res));
    this.server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', (e: NodeJS.ErrnoException) => reject(e.code === 'EACCES'
        ? new Error(`cannot listen on ${this.options.address}:${port}: the site URL is https without a port, so the test needs root (as in CI)`)
        : e));
      this.server!.listen(port, this.options.address, () => resolve());
    });
  }

  get port(): number {
    return (this.server!.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    for (const agent of this.agents.values()) agent.destroy();
    if (this.server) {
      this.server.closeAllConnections();
      await new Promise((resolve) => this.server!.close(resolve));
    }
  }

  private forward(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (this.targets.length === 0) {
      res.writeHead(503).end('no registered target');
      return;
    }
    const target = this.targets[this.next++ % this.targets.length];
    const headers: http.OutgoingHttpHeaders = { ...req.headers };
    const viewer = req.socket.remoteAddress!.replace(/^::ffff:/, '');
    const viewerForwardedFor = req.headers['x-forwarded-for'];
    const afterCloudFront = `${viewerForwardedFor ? `${viewerForwardedFor}, ` : ''}${viewer}`;
    if (this.options.xffMode === 'remove') delete headers['x-forwarded-for'];
    else headers['x-forwarded-for'] = this.options.xffMode === 'preserve' ? afterCloudFront : `${afterCloudFront}, ${this.options.cloudFrontAddress}`;
    headers['x-forwarded-proto'] = 'https';
    headers['x-forwarded-port'] = '443';
    headers.via = '2.0 local.cloudfront.net (CloudFront)';
    const pathOnly = (req.url ?? '/').split('?')[0];
    if (this.cached.some((pattern) => pattern.test(pathOnly))) delete headers.cookie;
    const upstream = http.request({
      host: target.host,
      port: target.port,
      method: req.method,
      path: req.url,
      headers,
      agent: this.agentFor(target),
      timeout: this.options.originTimeoutMs,
    }, (response) => {
      res.writeHead(response.statusCode ?? 502, response.headers);
      response.pipe(res);
    });
    upstream.on('timeout', () => upstream.destroy(new Error('origin timeout')));
    upstream.on('error', (e) => {
      const detail = `${e.message} (${target.host}:${target.port}, ${upstream.reusedSocket ? 'reused' : 'new'} connection)`;
      if (!res.headersSent) res.writeHead(/timeout/.test(e.message) ? 504 : 502).end(`edge: ${detail}`);
      else res.destroy();
    });
    req.pipe(upstream);
  }
}

function targetKey(target: Target): string {
  return `${target.host}:${target.port}`;
}

/** CloudFront path patterns: `*` matches any characters (slashes too), `?` one character. */
export function patternToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped.startsWith('/') ? '' : '/'}${escaped}$`);
}
