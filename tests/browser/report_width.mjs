// Checks lc15 nightly's report.html (history/report.cpp) in headless Chromium at a phone's
// width and a desk's: nothing wider than the screen (no sideways scroll), every trend line
// drawn and legible, figures on one line. Run by tests/test_nightly.cpp:
//
//   node tests/browser/report_width.mjs REPORT.html
//
// Prints one JSON line per width {width, scrollWidth, trends, narrowestTrend, wrappedFigures}
// and exits 0 when every check holds at every width, 1 otherwise.
import { launch } from './chromium.mjs';

const [report] = process.argv.slice(2);
let ok = true;
for (const width of [360, 1000]) {
  const result = { width };
  const { browser, page, offsite, consoleErrors } = await launch({ width, height: 700 });
  try {
    await page.goto('file://' + report);
    Object.assign(result, await page.evaluate(() => {
      const trends = [...document.querySelectorAll('svg.trend')].map((s) => s.getBoundingClientRect());
      const figures = [...document.querySelectorAll('td.num')].filter((td) => td.textContent.trim());
      const lineHeight = (el) => parseFloat(getComputedStyle(el).lineHeight) || 24;
      return {
        clientWidth: document.documentElement.clientWidth,
        scrollWidth: document.documentElement.scrollWidth,
        trends: trends.length,
        narrowestTrend: trends.length ? Math.min(...trends.map((r) => r.width)) : 0,
        widestTrend: trends.length ? Math.max(...trends.map((r) => r.width)) : 0,
        trendHeight: trends.length ? trends[0].height : 0,
        figures: figures.length,
        // A figure on two lines is taller than 1.5 lines of its cell's text.
        wrappedFigures: figures.filter((td) => {
          const r = document.createRange();
          r.selectNodeContents(td);
          return r.getBoundingClientRect().height > 1.5 * lineHeight(td);
        }).length,
      };
    }));
  } catch (e) {
    result.error = String(e);
  }
  await browser.close();
  result.offsite = offsite;
  result.consoleErrors = consoleErrors;
  result.ok = !result.error && result.scrollWidth <= result.clientWidth && result.trends > 0 &&
    result.figures > 0 && result.wrappedFigures === 0 && result.narrowestTrend >= 40 &&
    (width < 600 || result.widestTrend === 120) && offsite.length === 0 &&
    consoleErrors.length === 0;
  ok = ok && result.ok;
  console.log(JSON.stringify(result));
}
process.exit(ok ? 0 : 1);
