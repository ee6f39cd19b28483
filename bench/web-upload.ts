/**
 * Owner upload throughput through the browser path against the CLI upload, in the same run: one real
 * video (~60 MB of lossless noise H.264) sent to one open request, alternately
 *  - by the footage-request page in headless Chromium (tus-js-client, resumable /v1/uploads), timed
 *    from picking the file to the receipt on the page, and
 *  - by `rtcc request fulfil`'s upload function (one streamed POST …/evidence), timed to its answer.
 * Both end with the same ingest (hash, encrypt, probe), over TLS 1.3 on loopback. Goal: browser ≥ 0.8×
 * CLI. Without /usr/bin/chromium the browser figure is left out (and says why).
 */
import {execFileSync} from 'node:child_process'
import {mkdtempSync, readdirSync, readFileSync, rmSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {ApiClient} from '../src/lib/client/api.js'
import {uploadClip} from '../src/lib/client/fulfil.js'
import {fetchCertificate} from '../src/lib/client/pinning.js'
import type {SessionView} from '../src/lib/domain/auth.js'
import {IMPORT_OPTIONS_HEADER} from '../src/lib/domain/registry-import.js'
import {type CanvassResult, REQUEST_TOKEN_HEADER} from '../src/lib/domain/requests.js'
import {ffmpegPath} from '../src/lib/media/ffmpeg.js'
import {startServer} from '../src/lib/server/app.js'
import {initServer} from '../src/lib/server/init.js'
import {browserAvailable, launchBrowser} from '../test/helpers/browser.js'
import {createTestCa} from '../test/helpers/test-ca.js'

const MB = 1e6

export async function run(rounds = 3, seconds = 12): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'rtcc-bench-webupload-'))
  const ca = await createTestCa()
  const tls = await ca.issue(dir)
  const admin = {username: 'boss', password: 'Chief-Of-Benchmarks-42'}
  const dataDir = join(dir, 'data')
  await initServer(dataDir, admin)
  const server = await startServer({dataDir, port: 0, version: 'bench', tls})
  const browser = browserAvailable() ? await launchBrowser({trustSpki: [ca.spkiSha256]}) : undefined
  try {
    const video = join(dir, 'export.mp4')
    execFileSync(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=480x270:rate=25', '-t', String(seconds), '-vf', 'noise=alls=30:allf=t', '-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '0', '-pix_fmt', 'yuv420p', video])
    const size = statSync(video).size
    const {pem, fingerprint} = await fetchCertificate(server.url)
    const pin = {certPem: pem, fingerprint}
    const session = await new ApiClient({baseUrl: server.url, pin}).post<SessionView>('/v1/auth/login', admin)
    const api = new ApiClient({baseUrl: server.url, pin, token: session.token})
    const csv = 'external_id,name,latitude,longitude,owner_email,owner_name,records,retention_days,location_type\nS1,Shop door,41.88,-87.63,shop@example.org,Shop,yes,30,business\n'
    await api.http.post('v1/registry/import', {body: csv, headers: {'content-type': 'application/octet-stream', [IMPORT_OPTIONS_HEADER]: JSON.stringify({format: 'csv', source: 'bench'})}})
    const window = {from: new Date(Date.now() - 7200_000).toISOString(), to: new Date(Date.now() - 3600_000).toISOString()}
    const request = (await api.post<CanvassResult>('/v1/requests/canvass', {latitude: 41.88, longitude: -87.63, radius: '100m', caseId: 'BENCH-UP', reason: 'benchmark upload', ...window})).requests[0]!
    const outbox = join(dataDir, 'outbox')
    const mail = readFileSync(join(outbox, readdirSync(outbox).find((f) => f.endsWith('.eml'))!), 'utf8').replace(/=\r?\n/g, '')
    const link = /https:\/\/\S+\/request#rtcc_r_[A-Za-z0-9_-]{43}/.exec(mail)![0]
    const token = link.split('#')[1]!
    const cameraId = request.cameras[0]!.cameraId
    const owner = new ApiClient({baseUrl: server.url, pin, headers: {[REQUEST_TOKEN_HEADER]: token}, timeoutMs: 600_000})

    const best = {cli: 0, browser: 0}
    for (let round = 0; round < rounds; round++) {
      let started = performance.now()
      await uploadClip(owner, '/v1/requests/token', video, {camera: cameraId})
      best.cli = Math.max(best.cli, size / MB / ((performance.now() - started) / 1000))
      if (!browser) continue
      const context = await browser.context()
      const page = await context.newPage()
      await page.goto(link)
      await page.locator('#request:not(.hidden)').waitFor()
      started = performance.now()
      await page.locator('.camera input[type=file]').setInputFiles(video)
      await page.locator('.upload[data-state=received], .upload[data-state=failed]').waitFor({timeout: 600_000})
      const seconds = (performance.now() - started) / 1000
      if (await page.locator('.upload[data-state=failed]').count()) throw new Error(`browser upload failed: ${await page.locator('.upload-status').textContent()}`)
      best.browser = Math.max(best.browser, size / MB / seconds)
      await context.close()
    }
    const round2 = (n: number) => Math.round(n * 100) / 100
    return {
      fileMB: round2(size / MB),
      rounds,
      cliMBps: round2(best.cli),
      ...(browser ? {browserMBps: round2(best.browser), browserToCliRatio: round2(best.browser / best.cli), goal: 0.8} : {browser: 'skipped: /usr/bin/chromium not found'}),
      browserPath: 'footage-request page in headless Chromium, tus-js-client → /v1/uploads (file picked to receipt shown)',
      cliPath: 'uploadClip (rtcc request fulfil): one streamed POST /v1/requests/token/evidence',
    }
  } finally {
    await browser?.close()
    await server.close()
    rmSync(dir, {recursive: true, force: true})
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(JSON.stringify(await run(), null, 2))
