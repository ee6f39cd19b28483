/**
 * The evidence store: uploads in, encrypted blobs at rest, verified plaintext out. One pass over the
 * upload counts and hashes the original bytes (SHA-256) while encrypting them into the blob store;
 * reads decrypt segment by segment (see crypto.ts) and re-check the recorded hash and size.
 */
import {createHash} from 'node:crypto'
import {pipeline as chain, type Readable, Transform, type TransformCallback} from 'node:stream'
import {pipeline} from 'node:stream/promises'

import {newId} from '../domain/ids.js'
import {RtccError} from '../errors.js'
import type {BlobStore} from './blob-store.js'
import {DEFAULT_SEGMENT_SIZE, headerLength, layoutOf, newEnvelope, openEnvelope, SEGMENT_ALGORITHM, segmentSpan, SegmentDecryptor, SegmentEncryptor, type Envelope, type Layout} from './crypto.js'

export interface EvidenceStoreOptions {
  /** Largest accepted upload in bytes (default 4 GiB). */
  maxBytes?: number
  segmentSize?: number
}

export interface StoredEvidence {
  /** Generated id (`evd_…`), also the blob key. */
  id: string
  /** Size of the original upload. */
  bytes: number
  /** SHA-256 (hex) of the original upload. */
  sha256: string
  /** Size at rest (header, ciphertext, tags). */
  storedBytes: number
  encryption: {algorithm: typeof SEGMENT_ALGORITHM; segmentSize: number; masterKeyId: string}
}

/** What a read checks the decrypted bytes against: the values recorded at upload. */
export interface ExpectedContent {
  sha256: string
  bytes: number
}

export interface OpenedEvidence extends Layout {
  id: string
  storedBytes: number
  envelope: Envelope
}

export const DEFAULT_MAX_UPLOAD_BYTES = 4 * 1024 ** 3

export class EvidenceStore {
  readonly maxBytes: number
  private readonly segmentSize: number

  constructor(
    readonly blobs: BlobStore,
    private readonly masterKey: Buffer,
    options: EvidenceStoreOptions = {},
  ) {
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_UPLOAD_BYTES
    this.segmentSize = options.segmentSize ?? DEFAULT_SEGMENT_SIZE
  }

  /**
   * Encrypts and stores an upload under a new id. If the source fails, is destroyed, or passes the
   * size limit, the error propagates and nothing is stored.
   */
  async put(source: Readable, options: {maxBytes?: number} = {}): Promise<StoredEvidence> {
    const id = newId('evd')
    const envelope = newEnvelope(this.masterKey, id, this.segmentSize)
    const meter = new Meter(Math.min(options.maxBytes ?? this.maxBytes, this.maxBytes))
    const encryptor = new SegmentEncryptor(envelope)
    // A failure on either side destroys the encryptor between them, which fails the other side too:
    // the blob store then drops its temp file. Report the cause, not the knock-on "premature close".
    const [sent, stored] = await Promise.allSettled([pipeline(source, meter, encryptor), this.blobs.put(id, encryptor)])
    if (sent.status === 'rejected' || stored.status === 'rejected') {
      await this.blobs.delete(id)
      const errors = [sent, stored].flatMap((r) => (r.status === 'rejected' ? [r.reason as Error & {code?: string}] : []))
      throw errors.find((e) => e.code !== 'ERR_STREAM_PREMATURE_CLOSE') ?? errors[0]
    }
    return {
      id,
      bytes: meter.bytes,
      sha256: meter.digest(),
      storedBytes: stored.value.bytes,
      encryption: {algorithm: SEGMENT_ALGORITHM, segmentSize: this.segmentSize, masterKeyId: envelope.header.keyId},
    }
  }

  /** Reads the header and works out the layout; fails loudly on a foreign, damaged or truncated blob. */
  async open(id: string): Promise<OpenedEvidence> {
    const storedBytes = await this.blobs.size(id)
    const length = headerLength(id, await this.readStored(id, 0, Math.min(storedBytes, 12) - 1))
    const headerBytes = await this.readStored(id, 0, Math.min(storedBytes, length) - 1)
    const envelope = openEnvelope(this.masterKey, id, headerBytes)
    return {id, storedBytes, envelope, ...layoutOf(envelope, storedBytes)}
  }

  /**
   * The whole original, decrypted and verified: every segment's tag, then the size and SHA-256
   * recorded at upload. A mismatch is an 'error' on the stream before its last bytes are released.
   */
  async read(id: string, expect: ExpectedContent): Promise<Readable> {
    const file = await this.open(id)
    const span = segmentSpan(file.envelope, file.storedBytes, 0, file.segments - 1)
    const decryptor = new SegmentDecryptor(file.envelope, {first: 0, last: file.segments - 1, expect})
    return chain(await this.blobs.get(id, span), decryptor, ignore)
  }

  /** Plaintext bytes start..end (inclusive) of an opened file; every segment touched is authenticated. */
  async readRange(file: OpenedEvidence, start: number, end: number): Promise<Readable> {
    if (start < 0 || end < start || end >= file.plaintextBytes) throw new RangeError(`range ${start}-${end} outside 0-${file.plaintextBytes - 1}`)
    const size = file.envelope.header.segmentSize
    const first = Math.floor(start / size)
    const count = Math.floor(end / size) - first + 1
    const decryptor = new SegmentDecryptor(file.envelope, {first, last: file.segments - 1, count})
    const blob = await this.blobs.get(file.id, segmentSpan(file.envelope, file.storedBytes, first, first + count - 1))
    return chain(blob, decryptor, new Slice(start - first * size, end - start + 1), ignore)
  }

  /** Decrypts the whole file and checks it against the record, without keeping any plaintext. */
  async verify(id: string, expect: ExpectedContent): Promise<void> {
    const stream = await this.read(id, expect)
    for await (const _chunk of stream) void _chunk
  }

  delete(id: string): Promise<void> {
    return this.blobs.delete(id)
  }

  private async readStored(id: string, start: number, end: number): Promise<Buffer> {
    if (end < start) return Buffer.alloc(0)
    const chunks: Buffer[] = []
    for await (const chunk of await this.blobs.get(id, {start, end})) chunks.push(chunk as Buffer)
    return Buffer.concat(chunks)
  }
}

/** stream.pipeline needs a callback; failures reach the reader as an 'error' on the last stream. */
const ignore = () => undefined

/** Counts and hashes bytes on their way through, and stops the upload past the size limit. */
class Meter extends Transform {
  bytes = 0
  private readonly hash = createHash('sha256')

  constructor(private readonly limit: number) {
    super()
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length
    if (this.bytes > this.limit) return done(uploadTooLarge(this.limit))
    this.hash.update(chunk)
    done(null, chunk)
  }

  digest(): string {
    return this.hash.digest('hex')
  }
}

export function uploadTooLarge(limit: number): RtccError {
  return new RtccError(`upload exceeds the size limit of ${formatBytes(limit)}; nothing was stored`, {code: 'too_large', hint: 'Trim the clip to the requested window (--trim-from/--trim-to) or ask the agency to raise the server limit.'})
}

function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${units[unit]}`
}

/** Passes `length` bytes after skipping `skip`. */
class Slice extends Transform {
  constructor(
    private skip: number,
    private remaining: number,
  ) {
    super()
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    const from = Math.min(this.skip, chunk.length)
    this.skip -= from
    const piece = chunk.subarray(from, from + this.remaining)
    this.remaining -= piece.length
    done(null, piece.length ? piece : undefined)
  }
}
