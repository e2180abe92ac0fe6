import * as fs from 'fs';
import * as https from 'https';

/**
 * A viewer of the site: HTTPS to the site's host name (resolved to the local edge), a cookie jar, redirects
 * left to the caller. `localAddress` picks the viewer's own address, so a test knows which address Moodle
 * should record.
 */
export interface Response {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
  readonly ms: number;
}

export interface ViewerOptions {
  readonly host: string;
  readonly edgeAddress: string;
  readonly caFile: string;
  readonly localAddress?: string;
  /** Headers the viewer sends with every request. */
  readonly headers?: Record<string, string>;
}

export class Viewer {
  private readonly cookies = new Map<string, string>();

  constructor(private readonly options: ViewerOptions) {}

  get origin(): string {
    return `https://${this.options.host}`;
  }

  async get(path: string, headers: Record<string, string> = {}): Promise<Response> {
    return this.request('GET', path, undefined, headers);
  }

  async postForm(path: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
    const body = new URLSearchParams(form).toString();
    return this.request('POST', path, body, { 'content-type': 'application/x-www-form-urlencoded', ...headers });
  }

  /** Follows redirects on the site (GET), as a browser would. */
  async follow(first: Response, limit = 5): Promise<Response> {
    let response = first;
    for (let i = 0; i < limit && response.status >= 300 && response.status < 400; i++) {
      const location = String(response.headers.location);
      const url = new URL(location, this.origin);
      if (url.host !== this.options.host) throw new Error(`redirect leaves the site: ${location}`);
      response = await this.get(url.pathname + url.search);
    }
    return response;
  }

  /** The Cookie header this viewer sends. */
  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  request(method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<Response> {
    const started = Date.now();
    const cookie = this.cookieHeader();
    return new Promise((resolve, reject) => {
      const req = https.request({
        host: this.options.edgeAddress,
        servername: this.options.host,
        port: 443,
        method,
        path,
        ca: fs.readFileSync(this.options.caFile),
        localAddress: this.options.localAddress,
        agent: false,
        headers: { 'host': this.options.host, 'user-agent': 'moodle-site-test', ...(cookie ? { cookie } : {}), ...this.options.headers, ...headers },
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('end', () => {
          for (const set of res.headers['set-cookie'] ?? []) {
            const [pair] = set.split(';');
            const eq = pair.indexOf('=');
            const name = pair.slice(0, eq).trim();
            const value = pair.slice(eq + 1).trim();
            if (value === 'deleted' || /expires=Thu, 01 Jan 1970/i.test(set)) this.cookies.delete(name);
            else this.cookies.set(name, value);
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), ms: Date.now() - started });
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  /** Logs in through Moodle's login form; resolves with the page after the redirects. */
  async logIn(username: string, password: string): Promise<Response> {
    const form = await this.get('/login/index.php');
    const token = /name="logintoken" value="([^"]+)"/.exec(form.body)?.[1];
    if (form.status !== 200 || !token) {
      throw new Error(`login page: ${form.status}, logintoken ${token ? 'found' : 'missing'}${form.status === 200 ? '' : `: ${form.body.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').slice(0, 1500)}`}`);
    }
    const posted = await this.postForm('/login/index.php', { username, password, logintoken: token, anchor: '' });
    return this.follow(posted);
  }
}

/** Whether a Moodle page shows a logged-in user (the user menu) rather than the login link. */
export function isLoggedIn(page: Response): boolean {
  return /data-userid="\d+"|id="user-menu-toggle"/.test(page.body) && !/<form[^>]+id="login"/.test(page.body);
}
