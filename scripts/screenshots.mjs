// Screenshots of a built site at phone and desktop widths, in light and dark
// mode, for docs/screenshots/. Needs playwright-core (npm) and Chromium:
//   NODE_PATH=~/.cache/conformance/node/node_modules node scripts/screenshots.mjs public docs/screenshots
import { createServer } from 'node:http';
import { readFile, stat, mkdir } from 'node:fs/promises';
import { join, extname, resolve } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');
const [site = 'public', out = 'docs/screenshots', ...pages] = process.argv.slice(2);
const root = resolve(site);
const types = { '.html': 'text/html; charset=utf-8', '.css': 'text/css', '.xml': 'application/xml', '.json': 'application/json' };

const server = createServer(async (req, res) => {
  let path = join(root, decodeURIComponent(new URL(req.url, 'http://x').pathname));
  if (!path.startsWith(root)) { res.writeHead(403).end(); return; }
  try {
    if ((await stat(path)).isDirectory()) path = join(path, 'index.html');
    res.writeHead(200, { 'content-type': types[extname(path)] ?? 'application/octet-stream' });
    res.end(await readFile(path));
  } catch { res.writeHead(404).end('not found'); }
});
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const base = `http://127.0.0.1:${server.address().port}/`;

const targets = pages.length ? pages : ['', 'advisories/LARCH-2026-0003/', 'versions/', 'releases/2026-11-04/'];
const sizes = { phone: { width: 390, height: 844 }, desktop: { width: 1280, height: 900 } };
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
await mkdir(out, { recursive: true });
for (const page of targets) {
  const name = page.replace(/\/$/, '').replace(/\//g, '-') || 'archive';
  for (const [size, viewport] of Object.entries(sizes)) {
    for (const scheme of ['light', 'dark']) {
      const ctx = await browser.newContext({ viewport, colorScheme: scheme, deviceScaleFactor: 1 });
      const tab = await ctx.newPage();
      await tab.goto(base + page, { waitUntil: 'load' });
      const kind = name.startsWith('advisories') ? 'advisory' : name.startsWith('releases-') ? 'release' : name;
      const file = join(out, `${kind}-${size}-${scheme}.png`);
      await tab.screenshot({ path: file });
      console.log(file);
      await ctx.close();
    }
  }
}
await browser.close();
server.close();
