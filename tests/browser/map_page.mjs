// Checks lc15's offline page (maps/page.cpp) in headless Chromium, as a planner opens it from
// a USB stick: file://, no network. Run by tests/test_maps_page.cpp:
//
//   node tests/browser/map_page.mjs PAGE.html EXPECTED_COMMUNITIES SEARCH_NAME REFERENCE.png OUT.png
//
// Prints one JSON line {communities, offsite, consoleErrors, searchFound, tableRows,
// legendAfterSwitch, diffShare, ...} and exits 0 when every check holds, 1 otherwise.
// The screenshot (OUT.png) is compared with REFERENCE.png inside the browser (both drawn to
// a canvas): a pixel differs when a channel differs by more than 32; at most 1 % may differ
// (fonts and anti-aliasing vary a little between Chromium builds). LC15_UPDATE_REFERENCE=1
// writes the reference first (after a deliberate change of the page; look at it).
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { launch } from './chromium.mjs';

const [page_path, expected, searchName, reference, out] = process.argv.slice(2);
const result = { ok: false };
const { browser, page, offsite, consoleErrors } = await launch({ width: 900, height: 560 });
try {
  await page.goto('file://' + page_path);
  await page.waitForFunction(() => window.lc15 !== undefined, null, { timeout: 15000 });
  result.communities = await page.evaluate(() => window.lc15.communitiesDrawn);
  result.categories = await page.evaluate(() => window.lc15.categories);
  // The screenshot of the opening view, before any interaction.
  await page.waitForTimeout(300);
  const shot = await page.screenshot();
  writeFileSync(out, shot);
  if (process.env.LC15_UPDATE_REFERENCE === '1') {
    writeFileSync(reference, shot);
    result.referenceWritten = true;
  }
  if (!existsSync(reference)) throw new Error('no reference screenshot ' + reference);
  const ref = readFileSync(reference);
  result.diffShare = await page.evaluate(async ([a, b]) => {
    const load = (b64) => new Promise((res, rej) => {
      const im = new Image();
      im.onload = () => res(im);
      im.onerror = rej;
      im.src = 'data:image/png;base64,' + b64;
    });
    const [ia, ib] = await Promise.all([load(a), load(b)]);
    if (ia.width !== ib.width || ia.height !== ib.height) return 1;
    const px = (im) => {
      const c = document.createElement('canvas');
      c.width = im.width; c.height = im.height;
      const g = c.getContext('2d');
      g.drawImage(im, 0, 0);
      return g.getImageData(0, 0, im.width, im.height).data;
    };
    const da = px(ia), db = px(ib);
    let diff = 0;
    for (let i = 0; i < da.length; i += 4) {
      if (Math.abs(da[i] - db[i]) > 32 || Math.abs(da[i + 1] - db[i + 1]) > 32 ||
          Math.abs(da[i + 2] - db[i + 2]) > 32) ++diff;
    }
    return diff / (da.length / 4);
  }, [shot.toString('base64'), ref.toString('base64')]);

  // Search box: type the name, press Enter, the community's table appears.
  await page.fill('#search', searchName);
  await page.press('#search', 'Enter');
  result.tableTitle = await page.textContent('#table h3');
  result.tableRows = await page.$$eval('#table tr', (rows) => rows.length);
  // Layer switch: the first category's legend replaces the score legend.
  await page.check('#layers input[value="0"]');
  result.legendAfterSwitch = await page.textContent('#legend');
  result.attribution = await page.textContent('.leaflet-control-attribution');
} catch (e) {
  result.error = String(e);
}
await browser.close();
result.offsite = offsite;
result.consoleErrors = consoleErrors;
result.ok = !result.error && result.communities === Number(expected) && offsite.length === 0 &&
  consoleErrors.length === 0 && result.tableTitle === searchName &&
  result.tableRows === result.categories + 1 && result.diffShare <= 0.01 &&
  /覆盖比例/.test(result.legendAfterSwitch || '') &&
  /OpenStreetMap contributors/.test(result.attribution || '');
console.log(JSON.stringify(result));
process.exit(result.ok ? 0 : 1);
