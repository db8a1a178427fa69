// Screenshots of DL4J's training UI (run by ../dl4j-ui-screenshot.sh): the overview, and the model page with the
// density layer (graph vertex 1) selected through the page's cytoscape graph.
const { chromium } = require('playwright-core');
(async () => {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-quic',
    '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
  await page.goto('http://localhost:9000/train/overview');
  await page.waitForTimeout(4000);
  await page.screenshot({ path: process.argv[2] + '/dl4j-ui-overview.png' });
  await page.goto('http://localhost:9000/train/model');
  await page.waitForTimeout(4000);
  await page.evaluate(() => { cy.$('#1').emit('tap'); cy.$('#1').emit('click'); });
  await page.waitForTimeout(5000);
  await page.screenshot({ path: process.argv[2] + '/dl4j-ui-model.png', fullPage: true });
  await browser.close();
})();
