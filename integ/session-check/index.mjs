// Integ-test helper: logs in to the Moodle site as its administrator ({ mode: 'login' } returns the session
// cookie), or checks that a session cookie is still logged in ({ mode: 'check', cookie } waits for the login page,
// then tells whether the session survived). Moodle keeps sessions in Valkey/Redis, so a replaced web task keeps them.
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

const SITE = process.env.SITE_URL;

async function get(path, { cookie, body } = {}) {
  const response = await fetch(`${SITE}${path}`, {
    method: body ? 'POST' : 'GET',
    redirect: 'manual',
    headers: { ...(cookie ? { cookie } : {}), ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
    body,
  });
  const session = response.headers.getSetCookie().find((line) => line.startsWith('MoodleSession='));
  return { status: response.status, location: response.headers.get('location') ?? '', body: await response.text(), cookie: session?.split(';')[0] };
}

/** A page that needs a login: Moodle redirects a session that is not logged in to /login/. */
async function loggedIn(cookie) {
  const page = await get('/my/', { cookie });
  return page.status < 400 && !(page.status >= 300 && page.location.includes('/login/'));
}

// The integ-tests provider waits 2 minutes for an invocation: wait up to a minute here, and retry in the test.
async function waitForLoginPage() {
  for (let attempt = 0; attempt < 6; attempt++) {
    const page = await get('/login/index.php').catch(() => ({ status: 0 }));
    if (page.status === 200) return page;
    await new Promise((resolve) => setTimeout(resolve, 10_000));
  }
  throw new Error('the login page did not answer 200 within a minute');
}

async function logIn() {
  const secret = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: process.env.ADMIN_SECRET_ARN }));
  const { username, password } = JSON.parse(secret.SecretString);
  const form = await waitForLoginPage();
  const logintoken = /name="logintoken" value="([^"]+)"/.exec(form.body)?.[1] ?? '';
  const posted = await get('/login/index.php', { cookie: form.cookie, body: new URLSearchParams({ username, password, logintoken }).toString() });
  const cookie = posted.cookie ?? form.cookie;
  if (!(await loggedIn(cookie))) throw new Error(`login as ${username} failed (login answered ${posted.status} ${posted.location})`);
  return cookie;
}

export async function handler(event) {
  if (event.mode === 'login') return { cookie: await logIn() };
  const page = await get('/login/index.php').catch(() => ({ status: 0 }));
  return { loginPage: page.status, loggedIn: page.status === 200 && await loggedIn(event.cookie) };
}
