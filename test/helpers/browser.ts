// A real Chromium driven by playwright-core, for the console's browser tests. The browser is
// Debian's `chromium` package (installed by .ci/run), found at CHROMIUM_PATH or on the usual
// paths; without it the test fails with a message saying what to install, never skips.
// Page errors and console errors fail the test. Closed in `t.after`.
import type { TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { repoRoot } from './paths.js'

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/lib/chromium/chromium']

/** Where screenshots go (a CI job keeps this folder as its artifacts). */
export const ARTIFACTS_DIR = join(repoRoot, 'build', 'artifacts', 'console')

export function chromiumPath(): string {
  const path = process.env['CHROMIUM_PATH'] ?? CANDIDATES.find((p) => existsSync(p))
  if (path === undefined || !existsSync(path)) {
    assert.fail(`Chromium is required for the console's browser tests: install Debian's package (apt-get install -y chromium) or set CHROMIUM_PATH; looked at ${CANDIDATES.join(', ')}`)
  }
  return path
}

export interface BrowserPage {
  readonly page: Page
  /** Errors the page threw or logged so far. */
  readonly errors: string[]
  screenshot(name: string): Promise<string>
}

export async function openPage(t: TestContext, url: string): Promise<BrowserPage> {
  const browser: Browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] })
  t.after(() => browser.close())
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } })
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', (err) => errors.push(`page error: ${err.message}`))
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console error: ${msg.text()}`)
  })
  // Offline: the console must not reach for anything beyond the gateway.
  const origin = new URL(url).origin
  await context.route('**/*', (route) => (route.request().url().startsWith(origin) ? route.continue() : route.abort()))
  await page.goto(url)
  mkdirSync(ARTIFACTS_DIR, { recursive: true })
  return {
    page,
    errors,
    async screenshot(name) {
      const file = join(ARTIFACTS_DIR, `${name}.png`)
      await page.screenshot({ path: file, fullPage: false })
      return file
    },
  }
}
