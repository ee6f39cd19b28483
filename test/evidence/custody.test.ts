import {spawn} from 'node:child_process'
import {createHash, generateKeyPairSync, randomBytes, type KeyObject} from 'node:crypto'
import {existsSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {Readable} from 'node:stream'
import {fileURLToPath} from 'node:url'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {custodyEvent, type CustodyDocument, type CustodyFile, signCustody} from '../../src/lib/evidence/custody.js'
import {saveEvidenceFile, verifyEvidenceDir, writeCustodyFile} from '../../src/lib/evidence/evidence-dir.js'
import {tempDir} from './helpers.js'

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex')
const investigator = {id: 'usr_01jdet', role: 'investigator', name: 'Det. Rivera'}
const owner = {id: 'own_01corner', role: 'owner', name: 'Corner Deli'}

let work: {dir: string; cleanup: () => void}
let keys: {privateKey: KeyObject; publicKey: KeyObject}
let original: Buffer
let trimmed: Buffer

beforeEach(() => {
  work = tempDir('rtcc-custody-')
  keys = generateKeyPairSync('ed25519')
  original = randomBytes(50_000)
  trimmed = original.subarray(10_000, 30_000)
})
afterEach(() => work.cleanup())

function fileEntry(id: string, name: string, data: Buffer, derived?: {parentId: string}): CustodyFile {
  return {
    id,
    name,
    requestId: 'req_01a',
    kind: derived ? 'derived' : 'original',
    parentId: derived?.parentId ?? null,
    sha256: sha256(data),
    bytes: data.length,
    cameraId: 'cam_01front',
    media: {container: 'mov,mp4,m4a,3gp,3g2,mj2', codec: 'h264', durationSeconds: 3, width: 320, height: 240, fps: 15, audioCodec: null},
    recorderClockOffsetSeconds: -90,
    uploadedBy: owner,
    uploadedAt: '2026-11-29T10:05:00Z',
    uploadedFrom: '203.0.113.7',
    originalName: derived ? null : 'NVR export 2026-11-28.mp4',
    derivation: derived ? {tool: 'ffmpeg', version: 'ffmpeg version 6.1', operation: 'trim', arguments: ['-ss', '10', '-t', '20', '-c', 'copy']} : null,
  }
}

function document(signingKey = keys.privateKey): CustodyDocument {
  return signCustody(
    {
      origin: 'rtcc/test-server/audit',
      case: {id: 'CASE-2026-0142', agency: 'Metro PD'},
      requests: [{id: 'req_01a', caseId: 'CASE-2026-0142', status: 'fulfilled', window: {from: '2026-11-28T21:00:00Z', to: '2026-11-28T21:30:00Z'}}],
      files: [fileEntry('evd_01orig', 'evd_01orig.mp4', original), fileEntry('evd_02trim', 'evd_02trim.mp4', trimmed, {parentId: 'evd_01orig'})],
      timeline: [
        custodyEvent({at: '2026-11-28T22:00:00Z', actor: investigator, from: '10.0.0.5', action: 'request.issued', target: 'req_01a'}),
        custodyEvent({at: '2026-11-29T10:05:00Z', actor: owner, from: '203.0.113.7', action: 'evidence.uploaded', target: 'evd_01orig', detail: {sha256: sha256(original)}}),
        custodyEvent({at: '2026-11-29T10:06:00Z', actor: owner, from: '203.0.113.7', action: 'evidence.derived', target: 'evd_02trim', detail: {parent: 'evd_01orig'}}),
        custodyEvent({at: '2026-11-29T11:00:00Z', actor: investigator, from: '10.0.0.5', action: 'evidence.downloaded', target: 'req_01a'}),
      ],
    },
    signingKey,
  )
}

/** A download folder as `rtcc request download` writes it. */
async function writeFolder(doc = document()): Promise<string> {
  const dir = join(work.dir, 'case')
  await saveEvidenceFile(dir, doc.files[0]!, Readable.from([original]))
  await saveEvidenceFile(dir, doc.files[1]!, Readable.from([trimmed]))
  await writeCustodyFile(dir, doc)
  return dir
}

interface LooseCustody {
  timeline: unknown[]
  files: {sha256: string}[]
}

function editJson(file: string, edit: (doc: LooseCustody) => void): void {
  const doc = JSON.parse(readFileSync(file, 'utf8')) as LooseCustody
  edit(doc)
  writeFileSync(file, JSON.stringify(doc, null, 2))
}

describe('custody.json and evidence folders', () => {
  it('verifies an untouched folder against the server key', async () => {
    const dir = await writeFolder()
    const report = await verifyEvidenceDir(dir, keys.publicKey)
    expect(report).toMatchObject({ok: true, caseId: 'CASE-2026-0142', requestIds: ['req_01a'], problems: [], warnings: [], unlisted: []})
    expect(report.signature).toMatchObject({ok: true, key: 'given'})
    expect(report.files.map((f) => [f.name, f.status, f.kind])).toEqual([
      ['evd_01orig.mp4', 'ok', 'original'],
      ['evd_02trim.mp4', 'ok', 'derived'],
    ])
  })

  it('without a key checks the embedded one and warns that it proves integrity only', async () => {
    const report = await verifyEvidenceDir(await writeFolder())
    expect(report.ok).toBe(true)
    expect(report.signature.key).toBe('embedded')
    expect(report.warnings[0]).toContain('--public-key')
  })

  it('fails naming the file when a file was modified', async () => {
    const dir = await writeFolder()
    const bytes = readFileSync(join(dir, 'evd_02trim.mp4'))
    bytes[100]! ^= 1
    writeFileSync(join(dir, 'evd_02trim.mp4'), bytes)
    const report = await verifyEvidenceDir(dir, keys.publicKey)
    expect(report.ok).toBe(false)
    expect(report.signature.ok).toBe(true)
    expect(report.files.find((f) => f.name === 'evd_02trim.mp4')).toMatchObject({status: 'modified', actualSha256: sha256(bytes)})
    expect(report.files.find((f) => f.name === 'evd_01orig.mp4')?.status).toBe('ok')
    expect(report.problems).toEqual([expect.stringMatching(/^evd_02trim\.mp4: SHA-256 [0-9a-f]{64} \(20000 bytes\) does not match the recorded/)])
  })

  it('fails naming a missing file, and warns about files custody.json does not list', async () => {
    const dir = await writeFolder()
    writeFileSync(join(dir, 'evd_01orig.mp4.bak'), 'x')
    rmSync(join(dir, 'evd_01orig.mp4'))
    const report = await verifyEvidenceDir(dir, keys.publicKey)
    expect(report.ok).toBe(false)
    expect(report.problems).toEqual(['evd_01orig.mp4: missing (listed in custody.json as evd_01orig)'])
    expect(report.unlisted).toEqual(['evd_01orig.mp4.bak'])
  })

  it('fails when custody.json was edited, even to match an edited file', async () => {
    const dir = await writeFolder()
    editJson(join(dir, 'custody.json'), (doc) => doc.timeline.pop())
    const dropped = await verifyEvidenceDir(dir, keys.publicKey)
    expect(dropped.ok).toBe(false)
    expect(dropped.problems[0]).toContain('custody.json: the signature does not match the document')

    const dir2 = join(work.dir, 'case')
    const forged = randomBytes(20_000)
    writeFileSync(join(dir2, 'evd_02trim.mp4'), forged)
    await writeCustodyFile(dir2, document())
    editJson(join(dir2, 'custody.json'), (doc) => (doc.files[1]!.sha256 = sha256(forged)))
    const covered = await verifyEvidenceDir(dir2, keys.publicKey)
    expect(covered.ok).toBe(false)
    expect(covered.files.every((f) => f.status === 'ok')).toBe(true) // the hashes now agree…
    expect(covered.problems).toEqual(['custody.json: the signature does not match the document: custody.json was changed after the server signed it']) // …but the signature does not
  })

  it('fails a document re-signed with another key when the server key is given', async () => {
    const other = generateKeyPairSync('ed25519')
    const dir = await writeFolder(document(other.privateKey))
    expect((await verifyEvidenceDir(dir)).ok).toBe(true) // self-consistent…
    const report = await verifyEvidenceDir(dir, keys.publicKey)
    expect(report.ok).toBe(false)
    expect(report.problems[0]).toMatch(/custody\.json names signing key [0-9a-f]{16}, but the given public key is [0-9a-f]{16}/)
  })

  it('never reads outside the folder when custody.json names a path', async () => {
    const doc = document() as unknown as {files: {name: string}[]}
    doc.files[0]!.name = '../../etc/passwd'
    const dir = join(work.dir, 'evil')
    await writeCustodyFile(dir, doc as unknown as CustodyDocument)
    const report = await verifyEvidenceDir(dir)
    expect(report.ok).toBe(false)
    expect(report.files).toEqual([])
    expect(report.problems.join('\n')).toMatch(/files\.0\.name: a plain file name/)
  })

  it('reports custody.json that is not JSON, and a folder without one', async () => {
    const dir = await writeFolder()
    writeFileSync(join(dir, 'custody.json'), '{"format": "rtcc-custody/1",')
    const report = await verifyEvidenceDir(dir, keys.publicKey)
    expect(report.ok).toBe(false)
    expect(report.problems[0]).toContain('custody.json is not valid JSON')
    await expect(verifyEvidenceDir(work.dir)).rejects.toMatchObject({code: 'not_found', message: expect.stringContaining('no custody.json')})
  })

  it('saves a downloaded file only if it matches its custody record', async () => {
    const dir = join(work.dir, 'dl')
    const entry = document().files[0]!
    const tampered = Buffer.from(original)
    tampered[0]! ^= 1
    await expect(saveEvidenceFile(dir, entry, Readable.from([tampered]))).rejects.toMatchObject({code: 'evidence_mismatch', where: join(dir, entry.name)})
    expect(readdirSync(dir)).toEqual([])
    await saveEvidenceFile(dir, entry, Readable.from([original]))
    expect(existsSync(join(dir, entry.name))).toBe(true)
  })

  it('refuses to sign a derived file without its parent', () => {
    const bad = fileEntry('evd_03', 'evd_03.mp4', trimmed, {parentId: 'evd_missing'})
    expect(() =>
      signCustody({origin: 'o', case: {id: 'C', agency: 'A'}, requests: [{id: 'req_01a', caseId: 'C', status: 'fulfilled'}], files: [bad], timeline: []}, keys.privateKey),
    ).toThrow(/parent evd_missing is not in the document/)
  })
})

describe('rtcc evidence verify', () => {
  const RUNNER = fileURLToPath(new URL('./run-command.ts', import.meta.url))
  const COMMAND = fileURLToPath(new URL('../../src/commands/evidence/verify.ts', import.meta.url))
  const run = (args: string[]) =>
    new Promise<{code: number; stdout: string; stderr: string}>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', RUNNER, COMMAND, ...args], {env: {...process.env, NO_COLOR: '1', CI: '1'}, stdio: ['ignore', 'pipe', 'pipe']})
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (d) => (stdout += d))
      child.stderr.on('data', (d) => (stderr += d))
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
      child.on('error', reject)
      child.on('close', (code) => {
        clearTimeout(timer)
        resolve({code: code ?? -1, stdout, stderr})
      })
    })

  it('exits 0 on an intact folder and 1 naming the changed file', async () => {
    const dir = await writeFolder()
    const pub = join(work.dir, 'audit-signing.pub')
    writeFileSync(pub, keys.publicKey.export({format: 'pem', type: 'spki'}))
    const good = await run([dir, '--public-key', pub, '--json'])
    expect(good.code, good.stderr).toBe(0)
    expect(JSON.parse(good.stdout)).toMatchObject({ok: true, caseId: 'CASE-2026-0142', signature: {ok: true, key: 'given'}})

    writeFileSync(join(dir, 'evd_01orig.mp4'), randomBytes(10))
    const bad = await run([dir, '--public-key', pub])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toContain('evidence FAILED verification: evd_01orig.mp4: SHA-256')
    expect(bad.stdout).toBe('')
  })
})
