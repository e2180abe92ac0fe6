import * as net from 'net';

/** How often a held connection gets its next request: well within any keep-alive timeout this project sets. */
const REFRESH_MS = 30_000;

/**
 * Keep-alive connections held open to one web task the way load balancer nodes hold theirs: each carries a
 * health-check request now and then and sits idle in between. A connection the task closes is opened again at
 * the next refresh. Opening does not wait for answers: a starved task answers late or never.
 */
export class IdleConnections {
  private readonly sockets = new Set<net.Socket>();
  private readonly timer: NodeJS.Timeout;
  private answered = 0;
  private stopped = false;

  constructor(private readonly address: string, private readonly port: number, private readonly host: string, private readonly count: number) {
    this.fill();
    this.timer = setInterval(() => this.refresh(), REFRESH_MS);
  }

  /** Responses the held connections got so far. */
  get responses(): number {
    return this.answered;
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  private fill(): void {
    while (!this.stopped && this.sockets.size < this.count) this.open();
  }

  private open(): void {
    const socket = net.connect({ host: this.address, port: this.port }, () => this.request(socket));
    this.sockets.add(socket);
    socket.on('data', (chunk) => { this.answered += String(chunk).match(/^HTTP\/1\.1 /gm)?.length ?? 0; });
    socket.on('error', () => undefined);
    socket.on('close', () => this.sockets.delete(socket));
  }

  private request(socket: net.Socket): void {
    socket.write(`GET /healthz.php HTTP/1.1\r\nHost: ${this.host}\r\nConnection: keep-alive\r\n\r\n`);
  }

  private refresh(): void {
    for (const socket of this.sockets) if (!socket.connecting && !socket.destroyed) this.request(socket);
    this.fill();
  }
}
