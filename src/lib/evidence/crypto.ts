/**
 * Encryption at rest for evidence: AES-256-GCM in fixed-size segments, each with its own tag, under a
 * random per-file data key that is itself wrapped (AES-256-GCM) by the server's master key.
 *
 * Why segments: GCM checks its tag only after the last byte, so one GCM pass over a 1 GB clip would
 * have to either buffer the whole file or hand out plaintext nobody has verified yet. With segments
 * (the STREAM construction used by age and Tink) every segment is authenticated before a byte of it
 * leaves the decryptor, memory stays at one segment, and any byte range can be decrypted on its own
 * (ffprobe seeks in stored uploads through that). The segment nonce is a random 7-byte prefix, the
 * segment index (32-bit) and a last-segment flag byte, so reordering, dropping or appending segments
 * fails authentication; every segment's AAD is the SHA-256 of the header, which names the blob id, so
 * a header edit or a blob swapped under another id fails too.
 *
 * Stored layout:  "RTCCEVD1" | u32 BE header length | header JSON | segment 0 | … | segment n-1
 * A segment is ciphertext (segmentSize bytes, the last one 0..segmentSize) followed by its 16-byte
 * tag. Non-final segments are always full, so the layout follows from the stored size alone.
 */
import {createCipheriv, createDecipheriv, createHash, type Hash, randomBytes} from 'node:crypto'
import {Transform, type TransformCallback} from 'node:stream'

import {RtccError} from '../errors.js'

export const MAGIC = Buffer.from('RTCCEVD1', 'latin1')
export const DEFAULT_SEGMENT_SIZE = 1 << 20
export const SEGMENT_ALGORITHM = 'AES-256-GCM-SEGMENTED'
export const KEY_WRAP_ALGORITHM = 'AES-256-GCM'
const TAG_BYTES = 16
const PREFIX_BYTES = MAGIC.length + 4
const MAX_HEADER_BYTES = 64 * 1024

export interface EncryptionHeader {
  v: 1
  alg: typeof SEGMENT_ALGORITHM
  segmentSize: number
  /** The blob key this ciphertext belongs to. */
  blobId: string
  /** Which master key wrapped the data key (see masterKeyId). */
  keyId: string
  wrap: {alg: typeof KEY_WRAP_ALGORITHM; iv: string; tag: string; key: string}
  noncePrefix: string
}

/** The unwrapped keys and parameters of one stored file. Holds the data key: never persist or log it. */
export interface Envelope {
  header: EncryptionHeader
  /** Magic, length and header JSON exactly as stored. */
  headerBytes: Buffer
  dataKey: Buffer
  noncePrefix: Buffer
  /** SHA-256 of headerBytes: every segment's AAD. */
  aad: Buffer
}

export interface Layout {
  segments: number
  plaintextBytes: number
}

export function corrupt(blobId: string, what: string, hint = 'The stored blob was altered or damaged: restore it from a backup and investigate who had access.'): RtccError {
  return new RtccError(`evidence ${blobId} FAILED integrity check: ${what}`, {code: 'evidence_corrupt', where: blobId, hint})
}

/** A short public name for a master key, so a blob can say which key it needs without revealing it. */
export function masterKeyId(masterKey: Buffer): string {
  return createHash('sha256').update('rtcc evidence master key\0').update(masterKey).digest('hex').slice(0, 16)
}

function assertMasterKey(masterKey: Buffer): void {
  if (masterKey.length !== 32) throw new RtccError(`the evidence master key must be 32 bytes, got ${masterKey.length}`, {code: 'bad_master_key', hint: 'evidence-master.key holds 32 random bytes in base64.'})
}

const wrapAad = (blobId: string) => Buffer.from(`rtcc evidence data key\0${blobId}`)

export function newEnvelope(masterKey: Buffer, blobId: string, segmentSize = DEFAULT_SEGMENT_SIZE): Envelope {
  assertMasterKey(masterKey)
  if (!Number.isInteger(segmentSize) || segmentSize < 1024 || segmentSize > 64 << 20) throw new RangeError(`segment size out of range: ${segmentSize}`)
  const dataKey = randomBytes(32)
  const iv = randomBytes(12)
  const wrapper = createCipheriv('aes-256-gcm', masterKey, iv).setAAD(wrapAad(blobId))
  const wrapped = Buffer.concat([wrapper.update(dataKey), wrapper.final()])
  const noncePrefix = randomBytes(7)
  const header: EncryptionHeader = {
    v: 1,
    alg: SEGMENT_ALGORITHM,
    segmentSize,
    blobId,
    keyId: masterKeyId(masterKey),
    wrap: {alg: KEY_WRAP_ALGORITHM, iv: iv.toString('base64'), tag: wrapper.getAuthTag().toString('base64'), key: wrapped.toString('base64')},
    noncePrefix: noncePrefix.toString('base64'),
  }
  const json = Buffer.from(JSON.stringify(header))
  const length = Buffer.alloc(4)
  length.writeUInt32BE(json.length)
  const headerBytes = Buffer.concat([MAGIC, length, json])
  return {header, headerBytes, dataKey, noncePrefix, aad: sha256(headerBytes)}
}

/** Length of the whole header (magic, length, JSON) from the stored blob's first 12 bytes. */
export function headerLength(blobId: string, prefix: Buffer): number {
  if (prefix.length < PREFIX_BYTES || !prefix.subarray(0, MAGIC.length).equals(MAGIC)) throw corrupt(blobId, 'not an rtcc evidence blob (bad magic)')
  const json = prefix.readUInt32BE(MAGIC.length)
  if (json < 2 || json > MAX_HEADER_BYTES) throw corrupt(blobId, `header length ${json} out of range`)
  return PREFIX_BYTES + json
}

/** Parses the stored header and unwraps the data key; says clearly if another master key is needed. */
export function openEnvelope(masterKey: Buffer, blobId: string, headerBytes: Buffer): Envelope {
  assertMasterKey(masterKey)
  const length = headerLength(blobId, headerBytes)
  if (headerBytes.length !== length) throw corrupt(blobId, 'header truncated')
  let header: EncryptionHeader
  try {
    header = JSON.parse(headerBytes.subarray(PREFIX_BYTES).toString('utf8')) as EncryptionHeader
  } catch {
    throw corrupt(blobId, 'header is not valid JSON')
  }
  if (header.v !== 1 || header.alg !== SEGMENT_ALGORITHM || header.wrap?.alg !== KEY_WRAP_ALGORITHM) throw corrupt(blobId, `unsupported format ${header.alg} v${header.v}`)
  if (header.blobId !== blobId) throw corrupt(blobId, `the blob belongs to ${JSON.stringify(header.blobId)}, not to this evidence record`)
  if (!Number.isInteger(header.segmentSize) || header.segmentSize < 1024) throw corrupt(blobId, `bad segment size ${header.segmentSize}`)
  if (header.keyId !== masterKeyId(masterKey)) {
    throw new RtccError(`evidence ${blobId} was encrypted under master key ${header.keyId}, but this server's key is ${masterKeyId(masterKey)}`, {
      code: 'wrong_master_key',
      where: blobId,
      hint: 'Restore the evidence-master.key this data dir was created with.',
    })
  }
  let dataKey: Buffer
  try {
    const unwrapper = createDecipheriv('aes-256-gcm', masterKey, Buffer.from(header.wrap.iv, 'base64')).setAAD(wrapAad(blobId))
    unwrapper.setAuthTag(Buffer.from(header.wrap.tag, 'base64'))
    dataKey = Buffer.concat([unwrapper.update(Buffer.from(header.wrap.key, 'base64')), unwrapper.final()])
  } catch {
    throw corrupt(blobId, 'the wrapped data key failed authentication')
  }
  const noncePrefix = Buffer.from(header.noncePrefix, 'base64')
  if (dataKey.length !== 32 || noncePrefix.length !== 7) throw corrupt(blobId, 'bad key or nonce length in header')
  return {header, headerBytes, dataKey, noncePrefix, aad: sha256(headerBytes)}
}

/** Segment count and plaintext size implied by a stored blob's total size. */
export function layoutOf(envelope: Envelope, storedBytes: number): Layout {
  const {blobId, segmentSize} = envelope.header
  const body = storedBytes - envelope.headerBytes.length
  const segments = Math.max(1, Math.ceil(body / (segmentSize + TAG_BYTES)))
  const last = body - (segments - 1) * (segmentSize + TAG_BYTES)
  if (body < TAG_BYTES || last < TAG_BYTES || (segments > 1 && last === TAG_BYTES)) throw corrupt(blobId, `stored size ${storedBytes} does not fit the segment layout (truncated?)`)
  return {segments, plaintextBytes: body - segments * TAG_BYTES}
}

/** Stored byte range holding segments first..last (inclusive). */
export function segmentSpan(envelope: Envelope, storedBytes: number, first: number, last: number): {start: number; end: number} {
  const stride = envelope.header.segmentSize + TAG_BYTES
  const base = envelope.headerBytes.length
  return {start: base + first * stride, end: Math.min(storedBytes, base + (last + 1) * stride) - 1}
}

function nonce(envelope: Envelope, index: number, final: boolean): Buffer {
  const iv = Buffer.alloc(12)
  envelope.noncePrefix.copy(iv, 0)
  iv.writeUInt32BE(index, 7)
  iv[11] = final ? 1 : 0
  return iv
}

/** Collects chunks and hands out exact-sized runs of them as views, never copying the bytes. */
class ByteQueue {
  private chunks: Buffer[] = []
  length = 0

  push(chunk: Buffer): void {
    if (chunk.length === 0) return
    this.chunks.push(chunk)
    this.length += chunk.length
  }

  take(bytes: number): Buffer[] {
    const out: Buffer[] = []
    let wanted = bytes
    while (wanted > 0) {
      const chunk = this.chunks[0]!
      if (chunk.length <= wanted) {
        out.push(chunk)
        this.chunks.shift()
        wanted -= chunk.length
      } else {
        out.push(chunk.subarray(0, wanted))
        this.chunks[0] = chunk.subarray(wanted)
        wanted = 0
      }
    }
    this.length -= bytes
    return out
  }
}

/** Plaintext in, stored blob out (header first). */
export class SegmentEncryptor extends Transform {
  private readonly queue = new ByteQueue()
  private index = 0

  constructor(private readonly envelope: Envelope) {
    super()
    this.push(envelope.headerBytes)
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.queue.push(chunk)
    const size = this.envelope.header.segmentSize
    // A full segment is sealed as non-final only once a byte beyond it proves more data follows.
    while (this.queue.length > size) this.seal(this.queue.take(size), false)
    done()
  }

  override _flush(done: TransformCallback): void {
    this.seal(this.queue.take(this.queue.length), true)
    done()
  }

  private seal(plain: Buffer[], final: boolean): void {
    const cipher = createCipheriv('aes-256-gcm', this.envelope.dataKey, nonce(this.envelope, this.index++, final)).setAAD(this.envelope.aad)
    for (const piece of plain) this.push(cipher.update(piece))
    cipher.final() // GCM yields no bytes here
    this.push(cipher.getAuthTag())
  }
}

export interface DecryptOptions {
  /** Index of the first segment in the input, and of the blob's last segment. */
  first: number
  last: number
  /** How many segments the input holds (default: first through last). */
  count?: number
  /** For a whole-file read: the recorded hash and size. The final segment is held back until both match. */
  expect?: {sha256: string; bytes: number}
}

/**
 * Stored segments in, verified plaintext out. Each segment is released only after its tag checks;
 * with `expect`, the last segment is released only after the SHA-256 of everything matches too, so a
 * reader that sees 'end' has had nothing but verified bytes, and a mismatch is an 'error' event.
 */
export class SegmentDecryptor extends Transform {
  private readonly queue = new ByteQueue()
  private readonly hash?: Hash
  private index: number
  private readonly stop: number
  private held: Buffer[] = []
  private plaintextBytes = 0

  constructor(
    private readonly envelope: Envelope,
    private readonly options: DecryptOptions,
  ) {
    super()
    this.index = options.first
    this.stop = options.first + (options.count ?? options.last - options.first + 1)
    if (options.expect) this.hash = createHash('sha256')
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.queue.push(chunk)
    const stride = this.envelope.header.segmentSize + TAG_BYTES
    try {
      while (this.index < this.options.last && this.index < this.stop && this.queue.length >= stride) this.open(stride)
      if ((this.index >= this.stop && this.queue.length > 0) || this.queue.length > stride) throw corrupt(this.envelope.header.blobId, 'data after the last segment')
      done()
    } catch (error) {
      done(error as Error)
    }
  }

  override _flush(done: TransformCallback): void {
    const {blobId} = this.envelope.header
    try {
      if (this.index === this.options.last && this.index < this.stop) this.open(this.queue.length)
      if (this.index < this.stop) throw corrupt(blobId, `stored blob ends at segment ${this.index}, expected ${this.stop} (truncated)`)
      if (this.queue.length > 0) throw corrupt(blobId, 'data after the last segment')
      const expect = this.options.expect
      if (expect && this.hash) {
        const actual = this.hash.digest('hex')
        if (this.plaintextBytes !== expect.bytes) throw corrupt(blobId, `decrypted ${this.plaintextBytes} bytes, recorded ${expect.bytes}`)
        if (actual !== expect.sha256.toLowerCase()) throw corrupt(blobId, `SHA-256 of the decrypted file is ${actual}, recorded ${expect.sha256}`)
      }
      for (const piece of this.held) this.push(piece)
      this.held = []
      done()
    } catch (error) {
      done(error as Error)
    }
  }

  /** Decrypts the next `length` queued bytes as one segment; its plaintext is released only if its tag checks. */
  private open(length: number): void {
    const {blobId, segmentSize} = this.envelope.header
    const final = this.index === this.options.last
    if (length < TAG_BYTES) throw corrupt(blobId, `segment ${this.index} is shorter than its tag (truncated)`)
    const decipher = createDecipheriv('aes-256-gcm', this.envelope.dataKey, nonce(this.envelope, this.index, final)).setAAD(this.envelope.aad)
    const plain = this.queue.take(length - TAG_BYTES).map((piece) => decipher.update(piece))
    decipher.setAuthTag(Buffer.concat(this.queue.take(TAG_BYTES)))
    try {
      decipher.final() // GCM yields no bytes here; it throws if the tag does not match
    } catch {
      const offset = this.envelope.headerBytes.length + this.index * (segmentSize + TAG_BYTES)
      throw corrupt(blobId, `segment ${this.index} (stored bytes ${offset}–${offset + length - 1}) failed AES-GCM authentication`)
    }
    this.index++
    for (const piece of plain) this.plaintextBytes += piece.length
    if (!this.hash) {
      for (const piece of plain) this.push(piece)
      return
    }
    for (const piece of plain) this.hash.update(piece)
    for (const piece of this.held) this.push(piece)
    this.held = plain
  }
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest()
