/**
 * A real server with its evidence in the data dir and with it in a real S3 peer (`evidence: s3://…`, as
 * `--evidence` passes it), the same cases on both: an owner's upload larger than one multipart part goes
 * up by token, the investigator downloads it verified with its custody, only ciphertext is stored, and a
 * flipped byte or a missing blob fails the download in exactly the same way.
 */
import {DeleteObjectCommand} from '@aws-sdk/client-s3'
import {execFileSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {existsSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {ApiClient} from '../../src/lib/client/api.js'
import {downloadEvidence} from '../../src/lib/client/download.js'
import {uploadClip, type UploadedClip} from '../../src/lib/client/fulfil.js'
import {IMPORT_OPTIONS_HEADER} from '../../src/lib/domain/registry-import.js'
import {REQUEST_TOKEN_HEADER, type CanvassResult} from '../../src/lib/domain/requests.js'
import {ffmpegPath} from '../../src/lib/media/ffmpeg.js'
import {runCli} from '../helpers/cli.js'
import {failure} from '../helpers/failure.js'
import {startS3Peer, type S3Peer} from '../helpers/s3.js'
import {removeDir, startTestServer, tempDir, type TestServer} from '../helpers/server.js'
import {decodeQuotedPrintable, startSmtp} from '../helpers/smtp.js'
import {blobPath} from './helpers.js'

const PART = 5 * 1024 * 1024
let peer: S3Peer
let smtp: Awaited<ReturnType<typeof startSmtp>>
let work: string
let video: string

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex')

beforeAll(async () => {
  peer = await startS3Peer()
  smtp = await startSmtp()
  work = tempDir('rtcc-server-stores-')
  // One second of lossless noise: about 7 MB, so the encrypted blob goes up to S3 in two parts.
  video = join(work, 'door.mp4')
  execFileSync(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', "nullsrc=s=640x480:r=15,geq=lum='random(1)*255':cb=128:cr=128", '-t', '1', '-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '0', '-pix_fmt', 'yuv420p', video], {timeout: 60_000})
  expect(readFileSync(video).length).toBeGreaterThan(PART)
}, 60_000)

afterAll(async () => {
  await smtp?.stop()
  await peer?.close()
  if (work) removeDir(work)
})

/** Where a backend keeps a blob, for reading and damaging it behind the server's back. */
interface Backend {
  name: string
  evidence(): string | undefined
  description(t: TestServer): string
  read(t: TestServer, id: string): Promise<Buffer>
  write(t: TestServer, id: string, bytes: Buffer): Promise<void>
  remove(t: TestServer, id: string): Promise<void>
}

const backends: Backend[] = [
  {
    name: 'the data dir',
    evidence: () => undefined,
    description: (t) => `local folder ${join(t.dataDir, 'evidence')}`,
    read: async (t, id) => readFileSync(blobPath(t.dataDir, id)),
    write: async (t, id, bytes) => writeFileSync(blobPath(t.dataDir, id), bytes),
    remove: async (t, id) => rmSync(blobPath(t.dataDir, id)),
  },
  {
    name: 'an S3 peer',
    evidence: () => peer.url,
    description: () => `s3://${peer.bucket}/${peer.prefix}/ (endpoint ${peer.endpoint}, no SSE)`,
    read: (_t, id) => peer.read(id),
    write: (_t, id, bytes) => peer.write(id, bytes),
    remove: async (_t, id) => void (await peer.client.send(new DeleteObjectCommand({Bucket: peer.bucket, Key: `${peer.prefix}/${id}`}))),
  },
]

describe.each(backends)('a server keeping evidence in $name', (backend) => {
  let t: TestServer
  let investigator: ApiClient
  let requestId: string
  let uploaded: UploadedClip

  beforeAll(async () => {
    t = await startTestServer({evidence: backend.evidence(), s3: {partSize: PART}, smtpUrl: smtp.url})
    const imported = await t.admin.http.post('v1/registry/import', {
      body: 'external_id,name,latitude,longitude,owner_email,owner_name,records,retention_days,location_type\nD1,Deli door,41.9005,-87.6500,deli@example.org,Deli,yes,30,business\n',
      headers: {'content-type': 'application/octet-stream', [IMPORT_OPTIONS_HEADER]: JSON.stringify({format: 'csv', fileName: 'deli.csv', source: 'deli'})},
    })
    expect(imported.statusCode).toBe(200)
    investigator = await t.userClient('ines', 'investigator')
    const window = {from: new Date(Date.now() - 50 * 3600_000).toISOString(), to: new Date(Date.now() - 49 * 3600_000).toISOString()}
    const before = smtp.received.length
    const {requests} = await investigator.post<CanvassResult>('/v1/requests/canvass', {latitude: 41.9, longitude: -87.65, radius: '300m', caseId: 'CASE-STORE-1', reason: 'robbery', ...window})
    requestId = requests[0]!.id
    const token = /rtcc_r_[A-Za-z0-9_-]{43}/.exec(decodeQuotedPrintable(smtp.received[before]!.raw))![0]
    const owner = new ApiClient({baseUrl: t.url, pin: t.pin, headers: {[REQUEST_TOKEN_HEADER]: token}})
    uploaded = await uploadClip(owner, '/v1/requests/token', video, {camera: requests[0]!.cameras[0]!.cameraId})
  }, 120_000)

  afterAll(async () => {
    await t?.stop()
    if (t) removeDir(t.dataDir)
  })

  it('says where evidence goes, and stores only ciphertext there', async () => {
    expect(t.server.evidenceStore).toBe(backend.description(t))
    const original = readFileSync(video)
    expect(uploaded).toMatchObject({requestId, sha256: sha256(original), size: original.length})
    const stored = await backend.read(t, uploaded.id)
    expect(stored.subarray(0, 8).toString()).toBe('RTCCEVD1')
    expect(stored.includes(original.subarray(1000, 1100))).toBe(false)
    if (backend.evidence()) {
      const local = join(t.dataDir, 'evidence')
      expect(existsSync(local) ? readdirSync(local, {recursive: true}).length : 0).toBe(0)
    }
  })

  it('downloads the request verified, with its custody', async () => {
    const report = await downloadEvidence(investigator, {request: requestId}, join(work, `${backend.evidence() ? 's3' : 'local'}-case`))
    expect(report.ok).toBe(true)
    expect(report.files.map((f) => [f.status, f.kind])).toEqual([['ok', 'original']])
    expect(readFileSync(join(report.dir, report.files[0]!.name)).equals(readFileSync(video))).toBe(true)
  })

  it('a flipped byte in the stored blob fails the download, keeping nothing', async () => {
    const stored = await backend.read(t, uploaded.id)
    const flipped = Buffer.from(stored)
    flipped[flipped.length - 100] = flipped[flipped.length - 100]! ^ 0x01
    await backend.write(t, uploaded.id, flipped)
    const target = join(work, `${backend.evidence() ? 's3' : 'local'}-bad`)
    const error = await failure(downloadEvidence(investigator, {request: requestId}, target))
    expect(error.message).toMatch(/FAILED/)
    expect(existsSync(target)).toBe(false)
    await backend.write(t, uploaded.id, stored)
  })

  it('a missing blob is reported as evidence_missing, naming it', async () => {
    await backend.remove(t, uploaded.id)
    const response = await investigator.http.get(`v1/evidence/${uploaded.id}/content`, {responseType: 'json'})
    expect(response.statusCode).toBe(500)
    expect(response.body).toMatchObject({error: {code: 'evidence_missing', message: `evidence blob ${uploaded.id} not found in the evidence store`}})
  })
})

describe('rtcc server start --evidence', () => {
  it('refuses a malformed URL with exit 2 and an unreachable bucket with exit 1, naming each, before listening', async () => {
    const dataDir = tempDir('rtcc-s3-cli-')
    try {
      const bad = await runCli(['server', 'start', '--data-dir', dataDir, '--port', '0', '--json', '--evidence', 's3://Not_A_Bucket/x'])
      expect(bad.code).toBe(2)
      expect(bad.json<{error: {message: string}}>().error.message).toContain('bucket "Not_A_Bucket" is not a valid bucket name')
      const missing = await runCli(['server', 'start', '--data-dir', dataDir, '--port', '0', '--json'], {env: {...peer.env, RTCC_EVIDENCE_URL: peer.url.replace(`s3://${peer.bucket}/`, 's3://no-such-bucket/')}})
      expect(missing.code).toBe(1)
      expect(missing.json<{error: {code: string; message: string}}>().error).toMatchObject({code: 'evidence_store_unavailable', message: expect.stringContaining('s3://no-such-bucket/test/')})
      expect(missing.stderr).not.toContain('NodeVersionSupportWarning')
    } finally {
      removeDir(dataDir)
    }
  })
})
