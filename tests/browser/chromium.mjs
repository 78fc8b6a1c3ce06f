// Launches Debian's headless Chromium through playwright-core for lc15's page tests, with the
// flags that keep it off the network (no background requests, no component updates) in a
// fresh temporary profile (playwright's own); and records every request that leaves 127.0.0.1 or file://.
//
//   import { launch } from './chromium.mjs';
//   const { browser, page, offsite, consoleErrors } = await launch();
//   await page.goto('file:///…/map.html');
//   …
//   await browser.close();   // offsite: URLs requested off this machine; consoleErrors: texts
import { chromium } from 'playwright-core';

export async function launch({ width = 1280, height = 800 } = {}) {
  const browser = await chromium.launch({
    executablePath: process.env.LC15_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
  const context = await browser.newContext({ viewport: { width, height } });
  const page = await context.newPage();
  const offsite = [];
  const consoleErrors = [];
  page.on('request', (r) => {
    const u = r.url();
    if (!/^(file:|data:|blob:|about:|https?:\/\/(127\.0\.0\.1|localhost)[:/])/.test(u)) offsite.push(u);
  });
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  return { browser, context, page, offsite, consoleErrors };
}
