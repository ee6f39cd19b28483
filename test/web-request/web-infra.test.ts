/** The web plumbing: a CA-issued certificate Chromium trusts, security headers, assets, and TLS reload. */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {browserAvailable, launchBrowser, type TestBrowser} from '../helpers/browser.js'
import {removeDir, startTestServer, tempDir, type TestServer} from '../helpers/server.js'
import {createTestCa} from '../helpers/test-ca.js'
import {CONTENT_SECURITY_POLICY} from '../../src/lib/server/web/index.js'
import {fetchCertificate} from '../../src/lib/client/pinning.js'

describe.skipIf(!browserAvailable())('web pages over a CA-issued certificate', () => {
  let server: TestServer
  let browser: TestBrowser
  const dir = tempDir('rtcc-webinfra-')

  beforeAll(async () => {
    const ca = await createTestCa()
    const files = await ca.issue(dir)
    server = await startTestServer({tls: files, publicUrl: 'https://rtcc.example.org/'})
    browser = await launchBrowser({trustSpki: [ca.spkiSha256]})
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await server?.stop()
    removeDir(dir)
  })

  it('serves the page with a strict CSP to a browser that trusts the CA, and runs its module script', async () => {
    const context = await browser.context()
    const page = await context.newPage()
    const response = await page.goto(`${server.url}/request`)
    expect(response!.status()).toBe(200)
    const headers = response!.headers()
    expect(headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY)
    expect(headers['x-content-type-options']).toBe('nosniff')
    expect(headers['referrer-policy']).toBe('no-referrer')
    expect(headers['cache-control']).toBe('no-store')
    expect(await page.evaluate('typeof window.tus')).toBe('object')
    await context.close()
  })

  it('refuses the page to a browser that does not trust the CA', async () => {
    const untrusting = await launchBrowser()
    try {
      const page = await (await untrusting.context()).newPage()
      await expect(page.goto(`${server.url}/request`)).rejects.toThrow(/ERR_CERT_AUTHORITY_INVALID/)
    } finally {
      await untrusting.close()
    }
  })

  it('answers unknown assets and path tricks with 404, and known ones with an ETag', async () => {
    const anon = server.anonymous()
    const asset = await anon.http('web/style.css')
    expect(asset.statusCode).toBe(200)
    expect(asset.headers.etag).toMatch(/^"/)
    expect(asset.headers['content-type']).toMatch(/text\/css/)
    for (const path of ['web/nope.js', 'web/../package.json', 'web/%2e%2e/package.json']) expect((await anon.http(path)).statusCode).toBe(404)
    const again = await anon.http('web/style.css', {headers: {'if-none-match': asset.headers.etag as string}})
    expect(again.statusCode).toBe(304)
  })

  it('reloads a new certificate without dropping the server', async () => {
    const before = await fetchCertificate(server.url)
    const ca2 = await createTestCa('rtcc second test CA')
    const files2 = await ca2.issue(tempDir('rtcc-webinfra2-'))
    const {copyFileSync} = await import('node:fs')
    copyFileSync(files2.certFile, `${dir}/server-chain.pem`)
    copyFileSync(files2.keyFile, `${dir}/server-key.pem`)
    const {fingerprint} = server.server.reloadTls()
    const after = await fetchCertificate(server.url)
    expect(after.fingerprint).toBe(fingerprint)
    expect(after.fingerprint).not.toBe(before.fingerprint)
  })
})
