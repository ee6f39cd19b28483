/**
 * Debian's Chromium, headless, driven by playwright-core, with a fresh profile that trusts one test CA
 * (by its key: --ignore-certificate-errors-spki-list) and nothing else special: certificate errors for
 * any other certificate stay errors (ignoreHTTPSErrors is false). Without chromium the tests skip,
 * except under CI=true, where a missing browser fails them.
 */
import {existsSync} from 'node:fs'

import {type Browser, type BrowserContext, chromium} from 'playwright-core'

export const CHROMIUM = process.env.RTCC_CHROMIUM ?? '/usr/bin/chromium'

/** Whether browser tests can run here; under CI a missing browser is an error, not a skip. */
export function browserAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true
  if (process.env.CI === 'true') throw new Error(`CI=true but ${CHROMIUM} is missing: install Debian's chromium package (.ci/run does)`)
  return false
}

export const DESKTOP = {width: 1280, height: 800}
export const PHONE = {width: 390, height: 844}

export interface TestBrowser {
  browser: Browser
  /** A new context (own cookies/storage), certificate errors not ignored. */
  context(options?: {viewport?: {width: number; height: number}; isMobile?: boolean}): Promise<BrowserContext>
  close(): Promise<void>
}

export async function launchBrowser(options: {trustSpki?: string[]} = {}): Promise<TestBrowser> {
  const args = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    ...(options.trustSpki?.length ? [`--ignore-certificate-errors-spki-list=${options.trustSpki.join(',')}`] : []),
  ]
  // playwright gives each launch a fresh temporary profile (--user-data-dir), removed on close.
  const browser = await chromium.launch({executablePath: CHROMIUM, args, timeout: 60_000})
  return {
    browser,
    context: (o = {}) =>
      browser.newContext({ignoreHTTPSErrors: false, viewport: o.viewport ?? DESKTOP, isMobile: o.isMobile ?? false, hasTouch: o.isMobile ?? false, deviceScaleFactor: 1}),
    close: () => browser.close(),
  }
}
