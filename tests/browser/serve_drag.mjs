// Browser test of `lc15 serve`'s page (tests/test_server_browser.cpp runs it on a running
// server): add a facility by clicking the map, drag it with the mouse to another point, and
// check that the drag is exactly one move_added edit (no extra click edit), that the side
// table shows the gains the API reports for the session, and that undo takes the move back
// (one edit, the marker where it was added); no console error, no request leaving 127.0.0.1.
// Prints one JSON line with what it saw; exit code 0 only when all holds.
//
//   node serve_drag.mjs URL CATEGORY LON LAT [SCREENSHOT.png]
import { launch } from './chromium.mjs';

const [url, category, lonText, latText, shot] = process.argv.slice(2);
const lon = Number(lonText), lat = Number(latText);
const problems = [];
const { browser, page, offsite, consoleErrors } = await launch({ width: 1400, height: 860 });
let seen = {};
const posts = [];  // every edit the page sent
page.on('request', (r) => {
  if (r.method() === 'POST' && r.url().endsWith('/edits')) posts.push(JSON.parse(r.postData()));
});
const edited = () => page.waitForResponse((r) => r.url().endsWith('/edits') && r.request().method() === 'POST');
// The added marker's centre on the page (its DOM element, as the mouse finds it).
const markerCentre = async () => {
  const box = await page.locator('.added-icon').boundingBox();
  return box && { x: box.x + box.width / 2, y: box.y + box.height / 2 };
};
// Where a position lies on the page.
const onPage = ([x, y]) => page.evaluate(([x, y]) => {
  const map = window.lc15.map;
  const p = map.latLngToContainerPoint([y, x]);
  const r = map.getContainer().getBoundingClientRect();
  return { x: r.left + p.x, y: r.top + p.y };
}, [x, y]);
const near = (a, b, px) => a && b && Math.abs(a.x - b.x) <= px && Math.abs(a.y - b.y) <= px;

try {
  await page.goto(url);
  await page.waitForSelector('body[data-ready="1"]', { timeout: 20000 });
  const value = await page.evaluate((id) => String(window.lc15.city.categories.findIndex((c) => c.id === id)), category);
  if (value === '-1') throw new Error('no category ' + category);
  const k = Number(value);
  await page.selectOption('#category', value);
  await page.evaluate(([x, y]) => { window.lc15.map.setView([y, x], 17, { animate: false }); }, [lon, lat]);

  // 1. Add by clicking.
  const at = await onPage([lon, lat]);
  let answer = edited();
  await page.mouse.click(at.x, at.y);
  if ((await answer).status() !== 200) problems.push('the add was refused: ' + (await (await answer).text()));
  await page.waitForFunction(() => window.lc15.state && window.lc15.state.edits.length === 1);
  const added = await page.evaluate(() => window.lc15.state.edits[0]);
  const gainAfterAdd = Number(await page.getAttribute('#total-gained', 'data-value'));
  const start = await markerCentre();
  if (!near(start, await onPage([added.lon, added.lat]), 2)) problems.push('the added marker is not where the facility was added');

  // 2. Drag it 40 px east and 20 px south (about 45 m at zoom 17) with the mouse: down, move
  // in small steps as a hand does, rest, up. Leaflet starts a drag once the pointer has moved
  // 3 px and the marker follows from there, so it lands within a step or two of the pointer.
  answer = edited();
  await page.mouse.move(start.x, start.y);
  await page.mouse.down();
  await page.mouse.move(start.x + 20, start.y + 10, { steps: 20 });
  await page.mouse.move(start.x + 40, start.y + 20, { steps: 20 });
  await page.waitForTimeout(150);
  await page.mouse.up();
  const moved = await answer;
  if (moved.status() !== 200) problems.push('the move was refused: ' + (await moved.text()));
  await page.waitForFunction(() => window.lc15.state.edits.length >= 2);
  await page.waitForTimeout(800);  // time for a stray click edit to arrive, if one were sent
  const edits = await page.evaluate(() => window.lc15.state.edits);
  const types = edits.map((e) => e.type).join(',');
  if (types !== 'add_facility,move_added') problems.push('edits after the drag: ' + types);
  if (posts.length !== 2) problems.push('the page sent ' + posts.length + ' edits: ' + JSON.stringify(posts));
  if (edits[1] && edits[1].edit !== 1) problems.push('the move names edit ' + edits[1].edit);
  const listed = await page.$$eval('#edit-list li', (lis) => lis.length);
  if (listed !== 2) problems.push('the edit list shows ' + listed + ' lines');
  const dropped = await markerCentre();
  if (!near(dropped, { x: start.x + 40, y: start.y + 20 }, 4)) problems.push('the marker is not where it was dropped: ' + JSON.stringify(dropped));
  if (edits[1] && !near(dropped, await onPage([edits[1].lon, edits[1].lat]), 2)) problems.push('the marker is not at the moved position');

  // 3. The side table shows what the API reports for the session.
  const report = await page.evaluate(async () => {
    const r = await fetch('/api/sessions/' + window.lc15.session);
    return r.json();
  });
  if (report.edits.length !== 2) problems.push('the session report has ' + report.edits.length + ' edits');
  const apiGained = report.city.categories[k].gained;
  const shownTotal = Number(await page.getAttribute('#total-gained', 'data-value'));
  if (shownTotal !== apiGained) problems.push(`total shown ${shownTotal}, API ${apiGained}`);
  if (!(apiGained > 0)) problems.push('after the move nobody new is covered: pick another point');
  const rows = await page.$$eval('#change-table tbody tr', (trs) => trs.map((tr) => ({
    community: Number(tr.dataset.community),
    gained: Number(tr.querySelector('[data-gained]').dataset.gained),
  })));
  const expected = report.communities
    .filter((c) => c.categories[category] && c.categories[category].gained > 0)
    .map((c) => ({ community: c.community, gained: c.categories[category].gained }));
  if (expected.length === 0) problems.push('the API lists no community with a gain');
  for (const e of expected) {
    const row = rows.find((r) => r.community === e.community);
    if (!row) problems.push('no row for community ' + e.community);
    else if (row.gained !== e.gained) problems.push(`community ${e.community}: row ${row.gained}, API ${e.gained}`);
  }
  if (shot) {
    await page.mouse.move(10, 10);  // no tooltip over the map
    await page.waitForTimeout(300);
    await page.screenshot({ path: shot });
  }

  // 4. Undo: one edit again, the marker back where the facility was added.
  answer = page.waitForResponse((r) => r.url().endsWith('/undo'));
  await page.click('#undo');
  await answer;
  await page.waitForFunction(() => window.lc15.state.edits.length === 1);
  const back = await markerCentre();
  if (!near(back, start, 2)) problems.push('after undo the marker is at ' + JSON.stringify(back) + ', not ' + JSON.stringify(start));
  const afterUndo = Number(await page.getAttribute('#total-gained', 'data-value'));
  if (afterUndo !== gainAfterAdd) problems.push(`after undo the page shows ${afterUndo} gained, after the add ${gainAfterAdd}`);
  seen = { types, posts: posts.length, gainAfterAdd, apiGained, shownTotal, rows: rows.length, expected: expected.length, dragged: [start, dropped] };
} catch (e) {
  problems.push(String(e && e.stack || e));
} finally {
  await browser.close();
}
if (consoleErrors.length) problems.push('console errors: ' + consoleErrors.join(' | '));
if (offsite.length) problems.push('requests off the machine: ' + offsite.join(' '));
console.log(JSON.stringify({ ok: problems.length === 0, problems, ...seen }));
process.exit(problems.length === 0 ? 0 : 1);
