/**
 * The footage-request page in a real browser (Debian's Chromium over TLS from a test CA): the link
 * from the real mailed .eml, two real videos for two cameras with progress, a dropped link mid-upload
 * that resumes from the server's offset, receipts, the investigator's CLI download and custody check;
 * declining; hostile strings staying text; the token never sent in a URL; another owner's upload a 404.
 * Screenshots for the README are written by this run.
 */
import {execFileSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {readdirSync, readFileSync, statSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {ApiClient} from '../../src/lib/client/api.js'
import type {CanvassResult, FootageRequest} from '../../src/lib/domain/requests.js'
import {IMPORT_OPTIONS_HEADER} from '../../src/lib/domain/registry-import.js'
import {ffmpegPath} from '../../src/lib/media/ffmpeg.js'
import {browserAvailable, DESKTOP, launchBrowser, PHONE, type TestBrowser} from '../helpers/browser.js'
import {runCli} from '../helpers/cli.js'
import {decodeQuotedPrintable, startSmtp} from '../helpers/smtp.js'
import {removeDir, startTestServer, tempDir, type TestServer} from '../helpers/server.js'
import {sqlAll} from '../helpers/sql.js'
import {createTestCa} from '../helpers/test-ca.js'
import {startCuttingProxy, type CuttingProxy} from './cutting-proxy.js'

const XSS = {
  agency: `Metro PD <img src=x id=xss-agency onerror="window.__xss='agency'">`,
  case: `CASE-<script>window.__xss='case'</script>`,
  reason: `robbery "quoted" <b id=xss-reason onclick=alert(1)>bold</b> & more`,
  door: `Door <svg id=xss-door onload="window.__xss='door'">`,
}
const csvCell = (s: string) => `"${s.replace(/"/g, '""')}"`
const CAMERAS = `external_id,name,latitude,longitude,owner_email,owner_name,records,retention_days,location_type
A1,${csvCell(XSS.door)},41.9005,-87.6500,a@example.org,Shop A,yes,30,business
A2,Shop A alley,41.9006,-87.6502,a@example.org,Shop A,yes,30,business
B1,Shop B window,41.8996,-87.6497,b@example.org,Shop B,yes,30,business
`
const JURISDICTION = {type: 'Polygon', coordinates: [[[-88, 41], [-87, 41], [-87, 42], [-88, 42], [-88, 41]]]}
const SCREENSHOTS = join(import.meta.dirname, '..', '..', 'docs', 'screenshots')

let t: TestServer
let smtp: Awaited<ReturnType<typeof startSmtp>>
let proxy: CuttingProxy
let browser: TestBrowser
let investigator: ApiClient
let work: string
let requests: FootageRequest[]
const videos: Record<string, string> = {}

const mailTo = (to: string) => decodeQuotedPrintable(smtp.received.find((m) => m.to[0] === to)!.raw)
const linkIn = (mail: string) => /https:\/\/\S+\/request#rtcc_r_[A-Za-z0-9_-]{43}/.exec(mail)![0]
const tokenOf = (link: string) => link.split('#')[1]!
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex')
/** Polls from the test side (the page's CSP forbids the string evaluation waitForFunction uses). */
async function until(condition: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(`condition not met within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
const requestOf = (owner: string) => requests.find((r) => r.owner?.displayName === owner)!
/** ~10 MB of real H.264 (noise, lossless: big enough to cut mid-upload). */
const makeVideo = (file: string, pattern: string) =>
  execFileSync(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `${pattern}=size=480x270:rate=25`, '-t', '2', '-vf', 'noise=alls=30:allf=t', '-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '0', '-pix_fmt', 'yuv420p', file])

describe.skipIf(!browserAvailable())('the footage-request page', () => {
  beforeAll(async () => {
    work = tempDir('rtcc-webreq-')
    const ca = await createTestCa()
    const tls = await ca.issue(work)
    smtp = await startSmtp()
    proxy = await startCuttingProxy()
    t = await startTestServer({smtpUrl: smtp.url, tls, publicUrl: proxy.url, maxUploadBytes: 64 * 1024 * 1024})
    proxy.forwardTo(Number(new URL(t.url).port))
    const imported = await t.admin.http.post('v1/registry/import', {
      body: CAMERAS,
      headers: {'content-type': 'application/octet-stream', [IMPORT_OPTIONS_HEADER]: JSON.stringify({format: 'csv', fileName: 'shops.csv', source: 'shops'})},
    })
    expect(imported.statusCode).toBe(200)
    await t.admin.post('/v1/agencies', {name: XSS.agency, jurisdiction: JURISDICTION})
    await t.admin.post('/v1/users', {username: 'ines', password: 'Test-User-Passphrase-42', role: 'investigator', agency: XSS.agency})
    investigator = await t.login('ines', 'Test-User-Passphrase-42')
    makeVideo((videos.door = join(work, 'door-export.mp4')), 'testsrc')
    makeVideo((videos.alley = join(work, 'alley ch2.mp4')), 'testsrc2')
    const window = {from: new Date(Date.now() - 50 * 3600_000).toISOString(), to: new Date(Date.now() - 49 * 3600_000).toISOString()}
    requests = (await investigator.post<CanvassResult>('/v1/requests/canvass', {latitude: 41.9, longitude: -87.65, radius: '300m', caseId: XSS.case, reason: XSS.reason, ...window})).requests
    expect(requests.map((r) => r.status)).toEqual(['delivered', 'delivered'])
    browser = await launchBrowser({trustSpki: [ca.spkiSha256]})
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await t?.stop()
    await smtp?.stop()
    await proxy?.stop()
    removeDir(t?.dataDir)
    removeDir(work)
  })

  it('opens the mailed link, uploads two videos for two cameras through a dropped link, and shows receipts the custody document agrees with', async () => {
    const link = linkIn(mailTo('a@example.org'))
    expect(link.startsWith(`${proxy.url}/request#`)).toBe(true)
    const token = tokenOf(link)
    const context = await browser.context({viewport: DESKTOP})
    const page = await context.newPage()
    const sent: string[] = []
    page.on('request', (r) => sent.push(`${r.url()} ${r.headers().referer ?? ''}`))
    await page.goto(link)
    await page.locator('#request:not(.hidden)').waitFor()

    // Every value from the request is text.
    expect(await page.locator('#agency').textContent()).toBe(XSS.agency)
    expect(await page.locator('#case').textContent()).toBe(XSS.case)
    expect(await page.locator('#reason').textContent()).toBe(XSS.reason)
    expect(await page.locator('.camera-name').allTextContents()).toEqual([XSS.door, 'Shop A alley'])
    expect(await page.locator('#xss-agency, #xss-reason, #xss-door, main script').count()).toBe(0)
    expect(await page.evaluate('window.__xss')).toBeUndefined()
    // Only this owner's cameras.
    expect(await page.locator('.camera').count()).toBe(2)
    await page.screenshot({path: join(SCREENSHOTS, 'request-page-desktop.png'), fullPage: true})

    // The link drops once the door upload has sent ~1.5 MB, and stays down for 2 s.
    proxy.cutOnce(1_500_000, 2000)
    const cards = page.locator('.camera')
    await cards.nth(0).locator('input[type=file]').setInputFiles(videos.door!)
    await proxy.cut
    // While the link is down the page shows where it stopped and that it retries.
    const door = page.locator('.upload').first()
    await until(async () => Number(await door.getAttribute('data-retries')) >= 1)
    // Progress was shown (the browser counts bytes handed to the socket, so not the server's offset).
    expect(Number(await door.getAttribute('data-sent'))).toBeGreaterThan(0)
    await cards.nth(1).locator('input[type=file]').setInputFiles(videos.alley!)
    await until(async () => (await page.locator('.upload[data-state=received]').count()) === 2, 90_000)

    const receipt = (field: string) => page.locator(`.receipt .${field}`).allTextContents()
    const [names, shas, ids] = [await receipt('r-name'), await receipt('r-sha'), await receipt('r-id')]
    const receipts = names.map((name, i) => ({name, sha: shas[i], id: ids[i]}))
    expect(receipts).toEqual([
      {name: 'door-export.mp4', sha: sha256(videos.door!), id: expect.stringMatching(/^evd_/)},
      {name: 'alley ch2.mp4', sha: sha256(videos.alley!), id: expect.stringMatching(/^evd_/)},
    ])

    // The resume asked the server for its offset and sent only the rest.
    const store = t.server.ctx.store
    // Only HEADs that found the upload carry an offset: one that did not (a 404, audited without detail) says nothing here.
    const heads = await sqlAll<{detail: string}>(store, "SELECT detail FROM audit_records WHERE action = 'evidence.upload.offset' AND detail IS NOT NULL ORDER BY seq")
    const offsets = heads.map((h) => JSON.parse(h.detail).offset as number)
    expect(Math.max(...offsets)).toBeGreaterThan(0)
    const doorSize = statSync(videos.door!).size
    const patches = await sqlAll<{bytes_in: number}>(store, "SELECT bytes_in FROM audit_records WHERE action = 'evidence.upload' AND outcome = 'allowed' ORDER BY seq")
    expect(patches.some((p) => Number(p.bytes_in) > 0 && Number(p.bytes_in) < doorSize && Number(p.bytes_in) === doorSize - Math.max(...offsets))).toBe(true)
    // Nothing half-stored remains.
    expect(readdirSync(join(t.dataDir, 'uploads')).filter((f) => !f.startsWith('.'))).toEqual([])

    await page.setViewportSize(PHONE)
    await page.screenshot({path: join(SCREENSHOTS, 'request-page-phone.png'), fullPage: true})

    await page.locator('#finish').click()
    await page.locator('#answer-status.ok').waitFor()
    expect((await investigator.get<FootageRequest>(`/v1/requests/${requestOf('Shop A').id}`)).status).toBe('fulfilled')

    // The token never reached the server in a URL or a Referer, nor is it stored anywhere.
    expect(sent.length).toBeGreaterThan(3)
    expect(sent.filter((line) => line.includes(token))).toEqual([])
    expect(await t.databaseHolds(token)).toBe(false)
    await context.close()

    // The investigator downloads both with the CLI and the custody document verifies.
    const config = tempDir('rtcc-webreq-cli-')
    const out = join(work, 'case-out')
    try {
      const env = {RTCC_CONFIG_DIR: config, NODE_EXTRA_CA_CERTS: join(work, 'ca.pem'), RTCC_SERVER: undefined, RTCC_TOKEN: undefined, RTCC_FINGERPRINT: undefined, RTCC_PROFILE: undefined}
      const login = await runCli(['login', t.url, '--user', 'ines', '--password-stdin', '--json'], {env, input: 'Test-User-Passphrase-42', timeoutMs: 60_000})
      expect(login.code, login.stderr).toBe(0)
      expect(login.json<{trust: string}>().trust).toBe('ca')
      const download = await runCli(['request', 'download', requestOf('Shop A').id, '--output', out, '--json'], {env, timeoutMs: 60_000})
      expect(download.code, download.stderr).toBe(0)
      const hashes = readdirSync(out).filter((f) => f.endsWith('.mp4')).map((f) => sha256(join(out, f))).sort()
      expect(hashes).toEqual([sha256(videos.door!), sha256(videos.alley!)].sort())
      const verify = await runCli(['evidence', 'verify', out, '--json'], {env, timeoutMs: 60_000})
      expect(verify.code, verify.stdout + verify.stderr).toBe(0)
    } finally {
      removeDir(config)
    }
  }, 180_000)

  it('refuses a file that is not video with a plain message and keeps nothing, then declines with a reason', async () => {
    const link = linkIn(mailTo('b@example.org'))
    const context = await browser.context({viewport: PHONE, isMobile: true})
    const page = await context.newPage()
    await page.goto(link)
    await page.locator('#request:not(.hidden)').waitFor()
    await page.locator('.camera input[type=file]').setInputFiles({name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a video at all\n'.repeat(100))})
    await page.locator('.upload[data-state=failed]').waitFor()
    expect(await page.locator('.upload-status').textContent()).toMatch(/^Not received: .*video/i)
    expect(readdirSync(join(t.dataDir, 'uploads')).filter((f) => !f.startsWith('.'))).toEqual([])
    expect(requestOf('Shop B').evidence).toEqual([])

    await page.locator('#decline-box summary').click()
    await page.locator('#decline-reason').fill('the recorder keeps 3 days')
    await page.locator('#decline').click()
    await page.locator('#answer-status.ok').waitFor()
    const request = await investigator.get<FootageRequest>(`/v1/requests/${requestOf('Shop B').id}`)
    expect([request.status, request.declineReason]).toEqual(['declined', 'the recorder keeps 3 days'])
    await context.close()
  }, 60_000)

  it("answers an unknown token, and another request's upload, with 404", async () => {
    const context = await browser.context()
    const page = await context.newPage()
    await page.goto(`${proxy.url}/request#rtcc_r_${'x'.repeat(43)}`)
    await page.locator('#status.error').waitFor()
    expect(await page.locator('#status').textContent()).toMatch(/cannot be opened: no open request matches this token/)
    await context.close()

    // A second canvass: Shop A starts an upload; Shop B's token cannot see or touch it.
    const window = {from: new Date(Date.now() - 30 * 3600_000).toISOString(), to: new Date(Date.now() - 29 * 3600_000).toISOString()}
    const second = (await investigator.post<CanvassResult>('/v1/requests/canvass', {latitude: 41.9, longitude: -87.65, radius: '300m', caseId: 'CASE-2', reason: 'second case', ...window})).requests
    const mails = smtp.received.slice(-2).map((m) => ({to: m.to[0], token: tokenOf(linkIn(decodeQuotedPrintable(m.raw)))}))
    const tokenA = mails.find((m) => m.to === 'a@example.org')!.token
    const tokenB = mails.find((m) => m.to === 'b@example.org')!.token
    const camera = second.find((r) => r.owner?.displayName === 'Shop A')!.cameras[0]!.cameraId
    const b64 = (s: string) => Buffer.from(s).toString('base64')
    const anon = t.anonymous()
    const tus = {'tus-resumable': '1.0.0'}
    const created = await anon.http.post('v1/uploads', {headers: {...tus, 'upload-length': '1000', 'upload-metadata': `camera ${b64(camera)},filename ${b64('a.mp4')}`, 'x-rtcc-request-token': tokenA}})
    expect(created.statusCode).toBe(201)
    const location = String(created.headers.location).replace(/^\//, '')
    expect((await anon.http(location, {method: 'HEAD', headers: {...tus, 'x-rtcc-request-token': tokenA}})).statusCode).toBe(200)
    expect((await anon.http(location, {method: 'HEAD', headers: {...tus, 'x-rtcc-request-token': tokenB}})).statusCode).toBe(404)
    expect((await anon.http(location, {method: 'DELETE', headers: {...tus, 'x-rtcc-request-token': tokenB}})).statusCode).toBe(404)
    expect((await anon.http(location, {method: 'HEAD', headers: tus})).statusCode).toBe(404)
    // A camera of another owner cannot be named either.
    const otherCamera = second.find((r) => r.owner?.displayName === 'Shop B')!.cameras[0]!.cameraId
    const foreign = await anon.http.post('v1/uploads', {headers: {...tus, 'upload-length': '1000', 'upload-metadata': `camera ${b64(otherCamera)}`, 'x-rtcc-request-token': tokenA}})
    expect(foreign.statusCode).toBe(400)
    // Abandoned by its owner: nothing stays.
    expect((await anon.http(location, {method: 'DELETE', headers: {...tus, 'x-rtcc-request-token': tokenA}})).statusCode).toBe(204)
    expect(readdirSync(join(t.dataDir, 'uploads')).filter((f) => !f.startsWith('.'))).toEqual([])
  })
})
