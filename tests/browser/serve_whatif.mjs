// Browser test of `lc15 serve`'s page (tests/test_server_browser.cpp runs it on a running
// server): load the page, pick a category, click a point on the map, and check that the side
// table shows the residents newly covered that the API answered; no console error, no request
// leaving 127.0.0.1. Prints one JSON line with what it saw; exit code 0 only when all holds.
//
//   node serve_whatif.mjs URL CATEGORY LON LAT [SCREENSHOT.png]
import { launch } from './chromium.mjs';

const [url, category, lonText, latText, shot] = process.argv.slice(2);
const lon = Number(lonText), lat = Number(latText);
const problems = [];
const { browser, page, offsite, consoleErrors } = await launch({ width: 1400, height: 860 });
let seen = {};
const navigations = [];
page.on('framenavigated', (f) => { if (f === page.mainFrame()) navigations.push(f.url()); });
try {
  const t0 = Date.now();
  await page.goto(url);
  await page.waitForSelector('body[data-ready="1"]', { timeout: 20000 });
  const loadMs = Date.now() - t0;
  const readyMs = Number(await page.getAttribute('body', 'data-ready-ms'));

  // Pick the category by its id.
  const value = await page.evaluate((id) => String(window.lc15.city.categories.findIndex((c) => c.id === id)), category);
  if (value === '-1') problems.push('no category ' + category);
  await page.selectOption('#category', value);

  // Click where (lon, lat) lies on the map.
  const xy = await page.evaluate(([x, y]) => {
    const map = window.lc15.map;
    map.setView([y, x], 17, { animate: false });
    const p = map.latLngToContainerPoint([y, x]);
    const r = map.getContainer().getBoundingClientRect();
    return { x: r.left + p.x, y: r.top + p.y };
  }, [lon, lat]);
  const answer = page.waitForResponse((r) => r.url().endsWith('/edits') && r.request().method() === 'POST');
  await page.mouse.click(xy.x, xy.y);
  const response = await answer;
  const api = await response.json();
  if (response.status() !== 200) problems.push('edit answered ' + response.status() + ': ' + JSON.stringify(api));
  await page.waitForFunction((n) => window.lc15.state && window.lc15.state.edits.length === n, api.edits ? api.edits.length : 1);

  const k = Number(value);
  const apiGained = api.city.categories[k].gained;
  const shownTotal = Number(await page.getAttribute('#total-gained', 'data-value'));
  if (!(apiGained > 0)) problems.push('the edit covered nobody new: pick another point');
  if (shownTotal !== apiGained) problems.push(`total shown ${shownTotal}, API ${apiGained}`);

  // Every community the API lists with a gain is a row showing that gain.
  const rows = await page.$$eval('#change-table tbody tr', (trs) => trs.map((tr) => ({
    community: Number(tr.dataset.community),
    gained: Number(tr.querySelector('[data-gained]').dataset.gained),
    text: tr.querySelector('[data-gained]').textContent,
  })));
  const expected = api.communities
    .filter((c) => c.categories[category] && c.categories[category].gained > 0)
    .map((c) => ({ community: c.community, gained: c.categories[category].gained }));
  for (const e of expected) {
    const row = rows.find((r) => r.community === e.community);
    if (!row) problems.push('no row for community ' + e.community);
    else if (row.gained !== e.gained) problems.push(`community ${e.community}: row ${row.gained}, API ${e.gained}`);
    else if (row.text !== '+' + Math.round(e.gained).toLocaleString('en-US')) problems.push(`community ${e.community} shows ${row.text}`);
  }
  if (expected.length === 0) problems.push('the API listed no community with a gain');
  // The table is sorted by gain, largest first.
  for (let i = 1; i < rows.length; i++)
    if (rows[i].gained > rows[i - 1].gained) problems.push('rows not sorted by gain');

  // Undo from the page brings the figures back.
  await page.click('#undo');
  await page.waitForFunction(() => window.lc15.state.edits.length === 0);
  const afterUndo = Number(await page.getAttribute('#total-gained', 'data-value'));
  if (afterUndo !== 0) problems.push('after undo the page shows ' + afterUndo + ' gained');

  await page.click('#redo');
  await page.waitForFunction(() => window.lc15.state.edits.length === 1);
  await page.waitForTimeout(200);
  if (shot) {
    await page.evaluate(([x, y]) => { window.lc15.map.setView([y, x], 16, { animate: false }); }, [lon, lat]);
    await page.waitForTimeout(300);
    await page.screenshot({ path: shot });
  }
  seen = { loadMs, readyMs, apiGained, shownTotal, rows: rows.length, expected: expected.length };
} catch (e) {
  problems.push(String(e && e.stack || e));
} finally {
  await browser.close();
}
if (consoleErrors.length) problems.push('console errors: ' + consoleErrors.join(' | '));
if (navigations.length !== 1) problems.push('the page navigated: ' + navigations.join(' '));
if (offsite.length) problems.push('requests off the machine: ' + offsite.join(' '));
console.log(JSON.stringify({ ok: problems.length === 0, problems, ...seen }));
process.exit(problems.length === 0 ? 0 : 1);
