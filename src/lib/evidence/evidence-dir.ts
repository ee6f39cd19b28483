/**
 * A downloaded evidence folder: the files plus custody.json. Writing checks each file's SHA-256 as
 * it arrives (a file appears under its name only if it matches); verifying re-reads everything
 * offline and names every file and signature problem. Any mismatch makes the report fail.
 */
import {createHash, type KeyObject} from 'node:crypto'
import {createReadStream, createWriteStream} from 'node:fs'
import {mkdir, readdir, readFile, rename, rm, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {type Readable, Transform} from 'node:stream'
import {pipeline} from 'node:stream/promises'

import {parsePublicKey} from '../audit/note.js'
import {RtccError} from '../errors.js'
import {CUSTODY_FILE, CustodyDocument, type CustodyFile, describeIssues, serializeCustody, type SignatureCheck, verifyCustodySignature} from './custody.js'

export type FileStatus = 'ok' | 'modified' | 'missing'

export interface FileCheck {
  name: string
  id: string
  kind: 'original' | 'derived'
  status: FileStatus
  sha256: string
  bytes: number
  /** What is on disk, when it differs or could be read. */
  actualSha256: string | null
  actualBytes: number | null
}

export interface EvidenceVerifyReport {
  ok: boolean
  dir: string
  caseId: string | null
  requestIds: string[]
  signature: SignatureCheck
  files: FileCheck[]
  /** Files in the folder that custody.json does not list. */
  unlisted: string[]
  problems: string[]
  warnings: string[]
}

/** Reads a PEM (or C2SP vkey) Ed25519 public key file, e.g. the server's audit-signing.pub. */
export async function loadPublicKey(file: string): Promise<KeyObject> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new RtccError(`cannot read public key ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`, {code: 'not_found', where: file, hint: "Pass the server's audit-signing.pub (from its data dir, or `rtcc audit checkpoint`)."})
  })
  try {
    return parsePublicKey(text).publicKey
  } catch (error) {
    throw new RtccError(`${file} is not a usable public key: ${(error as Error).message}`, {code: 'bad_key', where: file})
  }
}

/**
 * Streams one evidence file into `dir`, hashing on the way; renames it into place only if size and
 * SHA-256 match the custody record, otherwise deletes it and fails naming the file.
 */
export async function saveEvidenceFile(dir: string, file: CustodyFile, source: Readable): Promise<{path: string; bytes: number}> {
  await mkdir(dir, {recursive: true})
  const path = join(dir, file.name)
  const temp = join(dir, `.${file.name}.partial`)
  const hash = createHash('sha256')
  let bytes = 0
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk)
      bytes += chunk.length
      done(null, chunk)
    },
  })
  try {
    await pipeline(source, meter, createWriteStream(temp, {mode: 0o600}))
    const actual = hash.digest('hex')
    if (bytes !== file.bytes || actual !== file.sha256) {
      throw new RtccError(`${file.name} FAILED verification on download: got ${bytes} bytes with SHA-256 ${actual}, the custody record says ${file.bytes} bytes, ${file.sha256}`, {
        code: 'evidence_mismatch',
        where: path,
        hint: 'The file was not saved. Retry the download; if it fails again, the server copy needs investigating.',
      })
    }
    await rename(temp, path)
    return {path, bytes}
  } finally {
    await rm(temp, {force: true})
  }
}

export async function writeCustodyFile(dir: string, document: CustodyDocument): Promise<string> {
  await mkdir(dir, {recursive: true})
  const path = join(dir, CUSTODY_FILE)
  await writeFile(path, serializeCustody(document))
  return path
}

/** Checks custody.json's signature and every file it lists, offline. Never throws on a mismatch: the report says `ok: false` and names each problem. */
export async function verifyEvidenceDir(dir: string, publicKey?: KeyObject): Promise<EvidenceVerifyReport> {
  const custodyPath = join(dir, CUSTODY_FILE)
  const text = await readFile(custodyPath, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new RtccError(`${custodyPath}: ${error.code === 'ENOENT' ? 'no custody.json in this folder' : error.message}`, {code: 'not_found', where: custodyPath, hint: 'Point at a folder written by `rtcc request download`.'})
  })
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (error) {
    const problem = `${CUSTODY_FILE} is not valid JSON: ${(error as Error).message}`
    return failed(dir, [problem], {ok: false, keyId: null, key: publicKey ? 'given' : 'embedded', problem})
  }
  const signature = verifyCustodySignature(raw, publicKey)
  const problems: string[] = signature.ok ? [] : [`${CUSTODY_FILE}: ${signature.problem}`]
  const warnings: string[] = []
  if (signature.ok && signature.key === 'embedded') {
    warnings.push(`signature checked only against the key inside ${CUSTODY_FILE} (key ${signature.keyId}); pass --public-key with the server's audit-signing.pub to prove the server signed it`)
  }
  const parsed = CustodyDocument.safeParse(raw)
  if (!parsed.success) return failed(dir, [...problems, `${CUSTODY_FILE} is malformed: ${describeIssues(parsed.error)}`], signature)
  const document = parsed.data

  const files: FileCheck[] = []
  for (const file of document.files) {
    const check = await checkFile(dir, file)
    files.push(check)
    if (check.status === 'missing') problems.push(`${file.name}: missing (listed in ${CUSTODY_FILE} as ${file.id})`)
    if (check.status === 'modified') problems.push(`${file.name}: SHA-256 ${check.actualSha256} (${check.actualBytes} bytes) does not match the recorded ${file.sha256} (${file.bytes} bytes)`)
  }
  const listed = new Set([CUSTODY_FILE, ...document.files.map((f) => f.name)])
  const unlisted = (await readdir(dir)).filter((name) => !listed.has(name)).sort()
  if (unlisted.length) warnings.push(`not covered by ${CUSTODY_FILE}: ${unlisted.join(', ')}`)
  return {ok: problems.length === 0, dir, caseId: document.case.id, requestIds: document.requests.map((r) => r.id), signature, files, unlisted, problems, warnings}
}

function failed(dir: string, problems: string[], signature: SignatureCheck): EvidenceVerifyReport {
  return {ok: false, dir, caseId: null, requestIds: [], signature, files: [], unlisted: [], problems, warnings: []}
}

async function checkFile(dir: string, file: CustodyFile): Promise<FileCheck> {
  const base = {name: file.name, id: file.id, kind: file.kind, sha256: file.sha256, bytes: file.bytes}
  const hash = createHash('sha256')
  let bytes = 0
  try {
    for await (const chunk of createReadStream(join(dir, file.name))) {
      hash.update(chunk as Buffer)
      bytes += (chunk as Buffer).length
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {...base, status: 'missing', actualSha256: null, actualBytes: null}
    throw error
  }
  const actual = hash.digest('hex')
  return {...base, status: actual === file.sha256 && bytes === file.bytes ? 'ok' : 'modified', actualSha256: actual, actualBytes: bytes}
}
