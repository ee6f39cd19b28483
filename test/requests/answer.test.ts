/**
 * Owners answering from the email alone (no profile, the mailed --server and --fingerprint), several
 * cameras and several runs on one token, recorder formats, and downloads that keep nothing unless
 * everything verified. Real server, real SMTP, real CLI over dist/.
 */
import {execFileSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {extname, join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {ApiClient} from '../../src/lib/client/api.js'
import {downloadEvidence} from '../../src/lib/client/download.js'
import type {UploadedClip} from '../../src/lib/client/fulfil.js'
import type {CustodyDocument} from '../../src/lib/evidence/custody.js'
import type {CanvassResult, FootageRequest} from '../../src/lib/domain/requests.js'
import {IMPORT_OPTIONS_HEADER} from '../../src/lib/domain/registry-import.js'
import {ffmpegPath} from '../../src/lib/media/ffmpeg.js'
import {runCli} from '../helpers/cli.js'
import {runInProcess} from '../helpers/cli-in-process.js'
import {decodeQuotedPrintable, startSmtp} from '../helpers/smtp.js'
import {removeDir, startTestServer, tempDir, type TestServer} from '../helpers/server.js'
import {sqlOne} from '../helpers/sql.js'
import {failure} from '../helpers/failure.js'

// Shop A: two cameras; Shop B: one; Shop T: two cameras both named "Gate".
const CAMERAS = `external_id,name,latitude,longitude,owner_email,owner_name,records,retention_days,location_type
A1,Shop A door,41.9005,-87.6500,a@example.org,Shop A,yes,30,business
A2,Shop A alley,41.9006,-87.6502,a@example.org,Shop A,yes,30,business
B1,Shop B window,41.8996,-87.6497,b@example.org,Shop B,yes,30,business
T1,Gate,41.9003,-87.6503,t@example.org,Shop T,yes,30,business
T2,Gate,41.9004,-87.6504,t@example.org,Shop T,yes,30,business
`
const CASE = 'CASE-ANSWER-1'

let t: TestServer
let smtp: Awaited<ReturnType<typeof startSmtp>>
let investigator: ApiClient
let work: string
let configDir: string
const files: Record<string, string> = {}
let requests: FootageRequest[]

const mailTo = (to: string) => decodeQuotedPrintable(smtp.received.find((m) => m.to[0] === to)!.raw)
const tokenIn = (mail: string) => /rtcc_r_[A-Za-z0-9_-]{43}/.exec(mail)![0]
const requestOf = (owner: string) => requests.find((r) => r.owner?.displayName === owner)!
/** The words of a mailed command line, as a shell would split it (the mail quotes names with spaces). */
const words = (line: string) => [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!)
/**
 * The CLI as an owner with no profile at all: everything comes from the command line. In this process
 * (same dist/ code and oclif handling, no start-up per call) unless `run` is runCli.
 */
const owner = (args: string[], run = runInProcess) => run([...args, '--json'], {env: {RTCC_CONFIG_DIR: configDir, RTCC_SERVER: undefined, RTCC_TOKEN: undefined, RTCC_FINGERPRINT: undefined, RTCC_PROFILE: undefined}, timeoutMs: 60_000})
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex')
const ffmpeg = (...args: string[]) => execFileSync(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25', '-t', '2', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', ...args])
const evidenceCount = async (requestId: string) => Number((await sqlOne<{n: number | string}>(t.server.ctx.store, 'SELECT count(*) AS n FROM evidence_files WHERE request_id = ?', [requestId]))!.n)

beforeAll(async () => {
  smtp = await startSmtp()
  t = await startTestServer({smtpUrl: smtp.url, maxUploadBytes: 5 * 1024 * 1024})
  const response = await t.admin.http.post('v1/registry/import', {
    body: CAMERAS,
    headers: {'content-type': 'application/octet-stream', [IMPORT_OPTIONS_HEADER]: JSON.stringify({format: 'csv', fileName: 'shops.csv', source: 'shops'})},
  })
  expect(response.statusCode).toBe(200)
  investigator = await t.userClient('ines', 'investigator')
  work = tempDir('rtcc-answer-')
  configDir = tempDir('rtcc-answer-config-')
  // A recorder's MPEG-TS export, a raw H.264 elementary stream (as DVRs write them) and an MP4.
  ffmpeg('-f', 'mpegts', (files.ts = join(work, 'door-2130.ts')))
  ffmpeg('-f', 'h264', (files.h264 = join(work, 'alley-ch2.264')))
  ffmpeg((files.mp4 = join(work, 'door-2140.mp4')))
  const window = {from: new Date(Date.now() - 50 * 3600_000).toISOString(), to: new Date(Date.now() - 49 * 3600_000).toISOString()}
  const result = await investigator.post<CanvassResult>('/v1/requests/canvass', {latitude: 41.9, longitude: -87.65, radius: '300m', caseId: CASE, reason: 'robbery', ...window})
  requests = result.requests
  expect(requests.map((r) => r.status)).toEqual(requests.map(() => 'delivered'))
})

afterAll(async () => {
  await t.stop()
  await smtp.stop()
  removeDir(t.dataDir)
  removeDir(work)
  removeDir(configDir)
})

describe('answering a footage request from the email alone', () => {
  it('the email shows the certificate fingerprint and a command that pins it, naming each camera', () => {
    const mail = mailTo('a@example.org')
    expect(mail).toContain(`certificate fingerprint (SHA-256, as \`rtcc login\` shows it) is ${t.fingerprint}`)
    expect(mail).toContain(`rtcc request fulfil ${tokenIn(mail)} --camera "Shop A door" RECORDING.mp4 --camera "Shop A alley" RECORDING.mp4 --done --server ${t.url} --fingerprint ${t.fingerprint}`)
  })

  it('an owner with no profile uploads an MPEG-TS for one camera, then an MP4 and a raw .264 for both by name, and only --done closes the request', async () => {
    const mail = mailTo('a@example.org')
    const token = tokenIn(mail)
    const mailed = words(/^ {2}(rtcc request fulfil .* --done .*)$/m.exec(mail)![1]!).slice(1)
    const connection = mailed.slice(mailed.indexOf('--server'))

    const first = await owner(['request', 'fulfil', token, '--camera', 'shop a door', files.ts!, ...connection], runCli)
    expect(first.stderr).toContain('stays open')
    expect(first.code).toBe(0)
    const open = first.json<{request: FootageRequest; uploaded: UploadedClip[]; done: boolean}>()
    expect(open.done).toBe(false)
    expect(open.request.status).toBe('viewed')
    expect(open.uploaded.map((u) => u.media.container)).toEqual(['mpegts'])

    // The mailed command itself, with the owner's files in place of RECORDING.mp4.
    const recordings = [files.mp4!, files.h264!]
    const second = await owner(mailed.map((word) => (word === 'RECORDING.mp4' ? recordings.shift()! : word)))
    expect(second.code).toBe(0)
    const closed = second.json<{request: FootageRequest; uploaded: UploadedClip[]; done: boolean}>()
    expect(closed.request.status).toBe('fulfilled')
    expect(closed.uploaded.map((u) => u.media.container)).toEqual([expect.stringContaining('mp4'), 'h264'])

    const request = requestOf('Shop A')
    const [door, alley] = [request.cameras.find((c) => c.name === 'Shop A door')!.cameraId, request.cameras.find((c) => c.name === 'Shop A alley')!.cameraId]
    const custody = await investigator.get<CustodyDocument>('/v1/custody', {request: request.id})
    expect(custody.files.map((f) => [f.cameraId, f.sha256, extname(f.name)])).toEqual([
      [door, sha256(files.ts!), '.ts'],
      [door, sha256(files.mp4!), '.mp4'],
      [alley, sha256(files.h264!), '.h264'],
    ])

    const after = await owner(['request', 'fulfil', token, '--done', ...connection])
    expect(after.code).toBe(1)
    expect(after.json<{error: {code: string}}>().error.code).toBe('not_found')
  })

  it('a camera name two cameras share is refused listing both ids, an unknown one listing the choices, and nothing is uploaded', async () => {
    const mail = mailTo('t@example.org')
    const token = tokenIn(mail)
    const [gate1, gate2] = requestOf('Shop T').cameras.map((c) => c.cameraId)
    const connection = ['--server', t.url, '--fingerprint', t.fingerprint]
    const ambiguous = await owner(['request', 'fulfil', token, '--camera', 'Gate', files.mp4!, ...connection])
    expect(ambiguous.code).toBe(2)
    expect(ambiguous.stderr).toContain('names 2 cameras')
    expect(ambiguous.stderr).toContain(gate1)
    expect(ambiguous.stderr).toContain(gate2)
    const unknown = await owner(['request', 'fulfil', token, '--camera', 'Front', files.mp4!, ...connection])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain('"Gate" (')
    expect(await evidenceCount(requestOf('Shop T').id)).toBe(0)

    const byId = await owner(['request', 'fulfil', token, '--camera', gate2!, files.mp4!, '--done', ...connection])
    expect(byId.code).toBe(0)
    expect(byId.json<{uploaded: UploadedClip[]}>().uploaded.map((u) => u.cameraId)).toEqual([gate2])
  })

  it('a wrong --fingerprint is refused before anything is sent; the mailed decline command works', async () => {
    const mail = mailTo('b@example.org')
    const token = tokenIn(mail)
    const wrong = await owner(['request', 'decline', token, '--reason', 'no', '--server', t.url, '--fingerprint', 'AB:'.repeat(31) + 'AB'])
    expect(wrong.code).toBe(1)
    expect(wrong.stderr).toContain('REFUSED')
    expect((await investigator.get<FootageRequest>(`/v1/requests/${requestOf('Shop B').id}`)).status).toBe('delivered')

    const declined = await owner(words(/^ {2}(rtcc request decline .*)$/m.exec(mail)![1]!).slice(1), runCli)
    expect(declined.code).toBe(0)
    expect(declined.json<FootageRequest>().status).toBe('declined')
  })
})

describe('request download keeps nothing unless everything verified', () => {
  const leftovers = (name: string) => readdirSync(work).filter((f) => f === name || f.startsWith(`.${name}.`))

  it('writes the verified case into the target folder and refuses a folder that is not empty', async () => {
    const target = join(work, 'case-ok')
    const report = await downloadEvidence(investigator, {case: CASE}, target)
    expect(report.ok).toBe(true)
    expect(report.dir).toBe(target)
    expect(readdirSync(target).sort()).toEqual([...report.files.map((f) => f.name), 'custody.json'].sort())
    expect(leftovers('case-ok')).toEqual(['case-ok'])
    const again = await failure(downloadEvidence(investigator, {case: CASE}, target))
    expect(again.exitCode).toBe(2)
    expect(again.message).toContain('not empty')
  })

  it('a corrupt later blob leaves no target folder and no temporary folder, for a case and for a single request', async () => {
    const custody = await investigator.get<CustodyDocument>('/v1/custody', {request: requestOf('Shop A').id})
    const last = custody.files.at(-1)!
    const blobDir = join(t.dataDir, 'evidence', 'blobs')
    const blob = join(blobDir, readdirSync(blobDir, {recursive: true}).map(String).find((f) => f.includes(last.id))!)
    const stored = readFileSync(blob)
    stored[stored.length - 100] = stored[stored.length - 100]! ^ 0x01
    writeFileSync(blob, stored)

    for (const [name, target] of [['case-bad', {case: CASE}], ['request-bad', {request: requestOf('Shop A').id}]] as const) {
      const error = await failure(downloadEvidence(investigator, target, join(work, name)))
      expect(error.message).toMatch(/FAILED/)
      expect(leftovers(name)).toEqual([])
    }
  })
})
