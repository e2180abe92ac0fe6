import * as fs from 'fs';
import * as path from 'path';
import { chromium, Browser, Locator, Page } from 'playwright-core';
import { requireTool } from './backing-services';

/**
 * Debian's Chromium, headless, driven by playwright-core. The site's host name resolves to the local edge;
 * the edge's certificate comes from the test CA, which Chromium is told to accept for this run.
 */
export async function launchBrowser(siteHost: string, edgeAddress: string): Promise<Browser> {
  const executablePath = requireTool('chromium', 'chromium');
  return chromium.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', `--host-resolver-rules=MAP ${siteHost} ${edgeAddress}`, '--disable-gpu', '--disable-dev-shm-usage'],
  });
}

export async function newPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(30_000);
  const page = await context.newPage();
  // Moodle's user tours (tool_usertours) open when their JavaScript has loaded, which can be after an action began;
  // Playwright runs this handler whenever the tour covers an element an action waits for: end it, as a user would.
  // A step's container is there with or without a backdrop (CI once saw a step without one intercept a click).
  await page.addLocatorHandler(page.locator('[data-flexitour="container"]').first(), endUserTour);
  return page;
}

export async function logIn(page: Page, origin: string, username: string, password: string): Promise<void> {
  // Moodle's JavaScript replaces the password field after load (show/hide toggle): fill it once the page is idle.
  await page.goto(`${origin}/login/index.php`, { waitUntil: 'networkidle' });
  await page.fill('#username', username);
  await page.fill('#password', password);
  if (await page.inputValue('#password') !== password) throw new Error('the password field lost its value before submit');
  await page.click('#loginbtn');
  // Logged in once the user menu shows (Moodle redirects through ?testsession to the dashboard).
  await page.waitForSelector('#user-menu-toggle');
}

/** Creates a course through Site administration's course form; returns its id. */
export async function createCourse(page: Page, origin: string, fullName: string, shortName: string): Promise<number> {
  await page.goto(`${origin}/course/edit.php?category=1`);
  await page.fill('#id_fullname', fullName);
  await page.fill('#id_shortname', shortName);
  await Promise.all([page.waitForURL(/\/course\/view\.php\?id=\d+/), page.click('#id_saveanddisplay')]);
  return Number(new URL(page.url()).searchParams.get('id'));
}

/** Adds a File resource to section 0 of a course, uploading `file` through Moodle's file picker; returns the view URL. */
export async function addFileResource(page: Page, origin: string, courseId: number, name: string, file: string): Promise<string> {
  await page.goto(`${origin}/course/modedit.php?add=resource&course=${courseId}&section=0&return=0`);
  await page.fill('#id_name', name);
  await page.click('.filemanager .fp-btn-add');
  await page.click('.moodle-dialogue .fp-repo-name:text("Upload a file")');
  await page.setInputFiles('.moodle-dialogue input[type="file"][name="repo_upload_file"]', file);
  await page.click('.moodle-dialogue .fp-upload-btn');
  await page.waitForSelector(`.filemanager .fp-filename:text("${path.basename(file)}")`);
  await Promise.all([page.waitForURL(/\/mod\/resource\/view\.php|\/course\/view\.php/), page.click('#id_submitbutton')]);
  const link = await page.locator(`a[href*="/mod/resource/view.php"]:has-text("${name}")`).first().getAttribute('href')
    ?? page.url();
  return link;
}

export async function logOut(page: Page): Promise<void> {
  await page.click('#user-menu-toggle');
  await page.locator('a[href*="/login/logout.php"]').first().click();
  await page.waitForSelector('#user-menu-toggle', { state: 'detached' });
}

/** Ends the open user tour whose step is given: its end button, else Escape (tour.js ends a tour on it). */
async function endUserTour(step: Locator): Promise<void> {
  const end = step.locator('[data-role="end"]');
  if (await end.count() > 0) await end.first().click();
  else await step.page().keyboard.press('Escape');
  await step.waitFor({ state: 'hidden', timeout: 5_000 });
}

export async function screenshot(page: Page, dir: string, name: string): Promise<string> {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
