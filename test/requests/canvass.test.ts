import {execFileSync} from 'node:child_process'
import {readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {ApiClient} from '../../src/lib/client/api.js'
import {downloadEvidence} from '../../src/lib/client/download.js'
import {fulfil} from '../../src/lib/client/fulfil.js'
import type {CanvassResult, FootageRequest} from '../../src/lib/domain/requests.js'
import {IMPORT_OPTIONS_HEADER} from '../../src/lib/domain/registry-import.js'
import {verifyEvidenceDir} from '../../src/lib/evidence/evidence-dir.js'
import {ffmpegPath} from '../../src/lib/media/ffmpeg.js'
import {decodeQuotedPrintable, startSmtp} from '../helpers/smtp.js'
import {removeDir, startTestServer, tempDir, type TestServer} from '../helpers/server.js'
import {sql, sqlOne} from '../helpers/sql.js'
import {failure} from '../helpers/failure.js'

let t: TestServer
let smtp: Awaited<ReturnType<typeof startSmtp>>
let investigator: ApiClient
let work: string
let video: string
const tokenIn = (raw: string) => /rtcc_r_[A-Za-z0-9_-]{43}/.exec(decodeQuotedPrintable(raw))?.[0]
const withToken = (token: string) => new ApiClient({baseUrl: t.url, pin: t.pin, headers: {'x-rtcc-request-token': token}})
const byToken = (token: string) => ({api: withToken(token), path: '/v1/requests/token', viewPath: '/v1/requests/by-token'})

// Incident at 41.9000,-87.6500. Shop A: two cameras (one faces the incident); Shop B: one camera;
// one camera that does not record, one whose retention (1 day) is long past for the window.
const CAMERAS = `external_id,name,latitude,longitude,owner_email,owner_name,view_direction,field_of_view,records,retention_days,location_type
A1,Shop A door,41.9005,-87.6500,a@example.org,Shop A,180,90,yes,30,business
A2,Shop A alley,41.9006,-87.6502,a@example.org,Shop A,0,60,yes,30,business
B1,Shop B window,41.8996,-87.6497,b@example.org,Shop B,,,yes,30,business
C1,Never records,41.9001,-87.6501,c@example.org,Shop C,,,no,,business
D1,Short memory,41.9002,-87.6499,d@example.org,Shop D,,,yes,1,business
FAR,Far away,41.9500,-87.6500,e@example.org,Shop E,,,yes,30,business
`

beforeAll(async () => {
  smtp = await startSmtp()
  t = await startTestServer({smtpUrl: smtp.url, maxUploadBytes: 5 * 1024 * 1024})
  const response = await t.admin.http.post('v1/registry/import', {
    body: CAMERAS,
    headers: {'content-type': 'application/octet-stream', [IMPORT_OPTIONS_HEADER]: JSON.stringify({format: 'csv', fileName: 'shops.csv', source: 'shops'})},
  })
  expect(response.statusCode).toBe(200)
  investigator = await t.userClient('ines', 'investigator')
  work = tempDir('rtcc-evidence-')
  video = join(work, 'front-door.mp4')
  execFileSync(ffmpegPath(), ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=duration=3:size=320x240:rate=10', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', video])
})

afterAll(async () => {
  await t.stop()
  await smtp.stop()
  removeDir(t.dataDir)
  removeDir(work)
})

const window = {from: new Date(Date.now() - 50 * 3600_000).toISOString(), to: new Date(Date.now() - 49 * 3600_000).toISOString()}
const incident = {latitude: 41.9, longitude: -87.65, radius: '300m', caseId: 'CASE-26-1', reason: 'armed robbery at the corner', ...window}

describe('footage canvass', () => {
  it('--dry-run shows who would be contacted and sends nothing', async () => {
    const dry = await investigator.post<CanvassResult>('/v1/requests/canvass', {...incident, dryRun: true})
    expect(dry.requests.map((r) => r.owner?.displayName).sort()).toEqual(['Shop A', 'Shop B'])
    expect(smtp.received).toHaveLength(0)
    expect(await investigator.get<FootageRequest[]>('/v1/requests')).toHaveLength(0)
  })

  it('creates one request per owner, facing cameras first, lists skipped cameras with the reason, and mails each owner only their cameras', async () => {
    const result = await investigator.post<CanvassResult>('/v1/requests/canvass', incident)
    expect(result.camerasInRange).toBe(5)
    const shopA = result.requests.find((r) => r.owner?.displayName === 'Shop A')!
    expect(shopA.cameras.map((c) => c.name)).toEqual(['Shop A door', 'Shop A alley'])
    expect(shopA.cameras[0]!.facesIncident).toBe(true)
    expect(Object.fromEntries(result.skipped.map((s) => [s.name, s.reason]))).toEqual({
      'Never records': 'does not record',
      'Short memory': 'retention of 1 days has passed for the whole window',
    })
    expect(result.requests.every((r) => r.status === 'delivered')).toBe(true)
    expect(smtp.received.map((m) => m.to[0]).sort()).toEqual(['a@example.org', 'b@example.org'])
    const mailA = decodeQuotedPrintable(smtp.received.find((m) => m.to[0] === 'a@example.org')!.raw)
    expect(mailA).toContain('CASE-26-1')
    expect(mailA).toContain('Shop A door')
    expect(mailA).not.toContain('Shop B window')
    expect(tokenIn(mailA)).toBeDefined()
    expect(tokenIn(mailA)).not.toBe(tokenIn(smtp.received.find((m) => m.to[0] === 'b@example.org')!.raw))
  })

  it('rejects a non-video upload with a clear error and stores nothing', async () => {
    const token = tokenIn(smtp.received.find((m) => m.to[0] === 'a@example.org')!.raw)!
    const notVideo = join(work, 'notes.mp4')
    writeFileSync(notVideo, 'this is not a video at all\n'.repeat(100))
    const seen = await withToken(token).get<FootageRequest>('/v1/requests/by-token')
    const error = await failure(fulfil(byToken(token), {clips: [{camera: seen.cameras[0]!.cameraId, files: [notVideo]}]}))
    expect(error.message).toMatch(/not a video|camera/)
    const blobs = readdirSync(join(t.dataDir, 'evidence', 'blobs'), {recursive: true}).filter((f) => String(f).startsWith('evd_'))
    expect(blobs).toHaveLength(0)
    expect(Number((await sqlOne<{n: number | string}>(t.server.ctx.store, 'SELECT count(*) AS n FROM evidence_files'))!.n)).toBe(0)
  })

  it('an owner fulfils with the emailed token (original + trimmed derived copy); the token then stops working', async () => {
    const token = tokenIn(smtp.received.find((m) => m.to[0] === 'a@example.org')!.raw)!
    const owner = withToken(token)
    const seen = await owner.get<FootageRequest>('/v1/requests/by-token')
    const doorCamera = seen.cameras[0]!.cameraId
    const start = window.from
    const result = await fulfil(byToken(token), {
      clips: [{camera: doorCamera, files: [video]}],
      done: true,
      clockOffsetSeconds: 0,
      trim: {recordingStart: start, from: new Date(Date.parse(start) + 1000).toISOString(), to: new Date(Date.parse(start) + 2000).toISOString()},
    })
    expect(result.request.status).toBe('fulfilled')
    expect(result.uploaded).toHaveLength(2)
    expect(result.uploaded[1]!.parentId).toBe(result.uploaded[0]!.id)
    const again = await failure(owner.get('/v1/requests/by-token'))
    const wrong = await failure(withToken('rtcc_r_' + 'x'.repeat(43)).get('/v1/requests/by-token'))
    expect(again.message).toBe(wrong.message)
    expect(again.code).toBe('not_found')
  })

  it('an owner declines with the token; the investigator sees every state change', async () => {
    const token = tokenIn(smtp.received.find((m) => m.to[0] === 'b@example.org')!.raw)!
    await withToken(token).post('/v1/requests/token/decline', {reason: 'camera was off that night'})
    const list = await investigator.get<FootageRequest[]>('/v1/requests', {case: 'CASE-26-1'})
    expect(list.map((r) => r.status).sort()).toEqual(['declined', 'fulfilled'])
    expect(list.find((r) => r.status === 'declined')!.declineReason).toBe('camera was off that night')
  })

  it('downloads the case with verified hashes and a signed custody.json that verifies offline', async () => {
    const dir = join(work, 'download')
    const report = await downloadEvidence(investigator, {case: 'CASE-26-1'}, dir)
    expect(report.ok).toBe(true)
    expect(report.files).toHaveLength(2)
    const custody = JSON.parse(readFileSync(join(dir, 'custody.json'), 'utf8')) as {files: {kind: string; derivation: {tool: string} | null}[]; timeline: {action: string}[]}
    expect(custody.files.map((f) => f.kind).sort()).toEqual(['derived', 'original'])
    expect(custody.files.find((f) => f.kind === 'derived')!.derivation!.tool).toBe('ffmpeg')
    expect(custody.timeline.map((e) => e.action)).toEqual(expect.arrayContaining(['issued', 'delivered', 'viewed', 'uploaded', 'derived', 'fulfilled', 'downloaded', 'declined']))
    const name = readdirSync(dir).find((f) => f.includes('original'))!
    const bytes = readFileSync(join(dir, name))
    bytes[bytes.length - 10] = bytes[bytes.length - 10]! ^ 0xff
    writeFileSync(join(dir, name), bytes)
    const tampered = await verifyEvidenceDir(dir)
    expect(tampered.ok).toBe(false)
    expect(tampered.problems[0]).toContain(name)
  })

  it('detects a corrupted stored blob on download and keeps nothing', async () => {
    const blobDir = join(t.dataDir, 'evidence', 'blobs')
    const blob = readdirSync(blobDir, {recursive: true}).map(String).find((f) => f.includes('evd_'))!
    const path = join(blobDir, blob)
    const stored = readFileSync(path)
    stored[stored.length - 100] = stored[stored.length - 100]! ^ 0x01
    writeFileSync(path, stored)
    const target = join(work, 'download-2')
    const error = await failure(downloadEvidence(investigator, {case: 'CASE-26-1'}, target))
    expect(error.message).toMatch(/FAILED/)
    const corruptId = blob.split('/').pop()!
    const written = readdirSync(work).includes('download-2') ? readdirSync(target) : []
    expect(written.filter((f) => f.includes(corruptId))).toEqual([])
    expect(written).not.toContain('custody.json')
  })

  it('an owner sees only their own requests; an investigator of another agency sees none', async () => {
    await t.anonymous().post('/v1/owners/signup', {username: 'shop-owner-z', password: 'Zed-Owner-Passphrase', profile: {displayName: 'Z', email: 'z@example.org'}})
    const z = await t.login('shop-owner-z', 'Zed-Owner-Passphrase')
    expect(await z.get<FootageRequest[]>('/v1/requests/inbox')).toEqual([])
    const someRequest = (await investigator.get<FootageRequest[]>('/v1/requests'))[0]!
    expect((await failure(z.get(`/v1/requests/${someRequest.id}`))).code).toBe('not_found')
  })

  it('expires open requests past their date', async () => {
    const result = await investigator.post<CanvassResult>('/v1/requests/canvass', {...incident, caseId: 'CASE-26-2'})
    await sql(t.server.ctx.store, "UPDATE footage_requests SET expires_at = '2000-01-01T00:00:00.000Z' WHERE case_id = 'CASE-26-2'")
    const list = await investigator.get<FootageRequest[]>('/v1/requests', {case: 'CASE-26-2'})
    expect(list.map((r) => r.status)).toEqual(result.requests.map(() => 'expired'))
  })
})
