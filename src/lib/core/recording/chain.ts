/**
 * A camera's recordings folder: sealed segments (`<seq>.seg`, AES-256-GCM under the Core's recording
 * key, bound to camera and sequence number by the AAD so a segment swapped, moved or edited fails),
 * and `chain.jsonl`, one signed hash-chain entry per sealed segment or gap. The chain is appended,
 * never rewritten: retention deletes segment files, and their entries stay as proof of what was there.
 *
 * Sealed layout: "RTCCSEG1" | 12-byte IV | ciphertext | 16-byte tag. Segments are about a minute of
 * video (a few MB), so one GCM pass in memory is fine.
 */
import {createCipheriv, createDecipheriv, createHash, type KeyObject, randomBytes} from 'node:crypto'
import {appendFileSync, existsSync, mkdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {canonicalJson} from '../../audit/record.js'
import {ChainEntry, chainSigningBytes} from '../../domain/recording.js'
import {RtccError} from '../../errors.js'
import {signMessage, verifySignature} from '../identity.js'

const MAGIC = Buffer.from('RTCCSEG1', 'latin1')
const GENESIS = '0'.repeat(64)

export const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex')
const aad = (cameraId: string, seq: number) => Buffer.from(`${cameraId}/${seq}`)

export function sealBytes(key: Buffer, cameraId: string, seq: number, plain: Buffer): Buffer {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(aad(cameraId, seq))
  const body = Buffer.concat([cipher.update(plain), cipher.final()])
  return Buffer.concat([MAGIC, iv, body, cipher.getAuthTag()])
}

/** The plaintext of a sealed segment, or an error naming the file when it was altered. */
export function openSealed(key: Buffer, cameraId: string, seq: number, sealed: Buffer, file: string): Buffer {
  const damaged = (what: string) =>
    new RtccError(`recorded segment ${file} FAILED its integrity check: ${what}`, {code: 'segment_corrupt', where: file, hint: 'The segment was altered or damaged on the Core; it cannot be released. Check the Core host.'})
  if (sealed.length < MAGIC.length + 28 || !sealed.subarray(0, MAGIC.length).equals(MAGIC)) throw damaged('not a sealed segment')
  const iv = sealed.subarray(MAGIC.length, MAGIC.length + 12)
  const tag = sealed.subarray(sealed.length - 16)
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv).setAAD(aad(cameraId, seq)).setAuthTag(tag)
    return Buffer.concat([decipher.update(sealed.subarray(MAGIC.length + 12, sealed.length - 16)), decipher.final()])
  } catch {
    throw damaged('AES-GCM authentication failed (a changed byte, or a segment moved from elsewhere)')
  }
}

type EntryBody = Omit<ChainEntry, 'seq' | 'prev' | 'hash' | 'signature'>

/** One camera's chain: the entries on disk, appended one at a time. */
export class CameraChain {
  readonly file: string
  entries: ChainEntry[]

  constructor(
    readonly folder: string,
    readonly coreId: string,
    readonly cameraId: string,
  ) {
    mkdirSync(folder, {recursive: true, mode: 0o700})
    this.file = join(folder, 'chain.jsonl')
    this.entries = readChain(this.file)
  }

  get head(): ChainEntry | undefined {
    return this.entries.at(-1)
  }

  get nextSeq(): number {
    return (this.head?.seq ?? -1) + 1
  }

  segmentFile(seq: number): string {
    return join(this.folder, `${String(seq).padStart(9, '0')}.seg`)
  }

  append(body: EntryBody, identity: KeyObject): ChainEntry {
    const seq = this.nextSeq
    const prev = this.head?.hash ?? GENESIS
    const hash = entryHash(prev, {...body, seq})
    const entry = ChainEntry.parse({...body, seq, prev, hash, signature: signMessage(identity, chainSigningBytes(this.coreId, this.cameraId, seq, hash))})
    appendFileSync(this.file, JSON.stringify(entry) + '\n', {mode: 0o600})
    this.entries.push(entry)
    return entry
  }
}

const entryHash = (prev: string, body: EntryBody & {seq: number}): string => sha256(Buffer.from(`${prev}\n${canonicalJson(body)}`))

function readChain(file: string): ChainEntry[] {
  if (!existsSync(file)) return []
  const entries: ChainEntry[] = []
  // A crash can cut the last line short: everything before it stands.
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue
    try {
      entries.push(ChainEntry.parse(JSON.parse(line)))
    } catch {
      break
    }
  }
  return entries
}

/**
 * Checks entries `from..to` of the chain: each links to the one before, its hash is right, and the
 * Core's signature verifies. Returns the first problem, naming the entry, or null.
 */
export function chainProblem(entries: ChainEntry[], publicKeyPem: string, coreId: string, cameraId: string): string | null {
  for (const [i, e] of entries.entries()) {
    const {seq, prev, hash, signature, ...body} = e
    if (i > 0 && prev !== entries[i - 1]!.hash) return `chain entry ${seq} does not link to entry ${entries[i - 1]!.seq}`
    if (entryHash(prev, {...body, seq}) !== hash) return `chain entry ${seq} was changed (its hash does not match)`
    if (!verifySignature(publicKeyPem, chainSigningBytes(coreId, cameraId, seq, hash), signature)) return `chain entry ${seq} does not carry this Core's signature`
  }
  return null
}
