/**
 * Evidence blobs in an S3-compatible object store (AWS S3, MinIO, Ceph RGW…), for several server
 * instances sharing one evidence store. The bytes arriving here are already the AES-256-GCM envelope
 * (store.ts encrypts above the BlobStore), so the object store never sees plain video; server-side
 * encryption is requested on top when the store offers it.
 *
 * Uploads stream through `@aws-sdk/lib-storage` (multipart, `queueSize` parts of `partSize` bytes in
 * memory at most; a small blob is one PutObject). A multipart object becomes visible only when
 * CompleteMultipartUpload succeeds, and a failed upload is aborted (its parts deleted), so nothing is
 * ever half-visible. A key is never overwritten: HEAD before the upload, and `If-None-Match: *` on
 * the write for stores that enforce conditional writes (AWS since 2024, MinIO); others ignore it.
 */
import {DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand, S3Client, S3ServiceException} from '@aws-sdk/client-s3'
import {Upload} from '@aws-sdk/lib-storage'
import {pipeline, type Readable, Transform, type TransformCallback} from 'node:stream'

import {RtccError} from '../errors.js'
import {assertBlobKey, blobNotFound, type BlobStore, type ByteRange} from './blob-store.js'
import {describeS3, parseS3Url, type S3Location} from './s3-location.js'

export interface S3BlobStoreOptions {
  /** Multipart part size in bytes (S3's minimum, 5 MiB, unless the last part). */
  partSize?: number
  /** Parts uploaded in parallel (memory: about partSize × queueSize). */
  queueSize?: number
}

const MIN_PART_SIZE = 5 * 1024 * 1024

export class S3BlobStore implements BlobStore {
  private constructor(
    readonly location: S3Location,
    private readonly client: S3Client,
    private readonly options: Required<S3BlobStoreOptions>,
  ) {}

  /** Connects and checks that the bucket is there and reachable, so a typo fails at start, not at the first upload. */
  static async open(url: string, options: S3BlobStoreOptions = {}): Promise<S3BlobStore> {
    const location = parseS3Url(url)
    const partSize = options.partSize ?? 8 * 1024 * 1024
    if (partSize < MIN_PART_SIZE) throw new RangeError(`partSize ${partSize} is below S3's minimum of ${MIN_PART_SIZE}`)
    // The pinned SDK runs on Node 20 (package.json engines); its notice about future releases needing 22
    // would only clutter every server start. Set the variable to 'false' to see it.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
    const client = new S3Client({
      region: location.region,
      endpoint: location.endpoint,
      forcePathStyle: location.forcePathStyle,
      // Integrity is the envelope's job (a GCM tag per segment, the SHA-256 on every read); the newer
      // SDK default (CRC32 trailers on every upload) is not understood by every S3-compatible store.
      requestChecksumCalculation: location.endpoint ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED',
      responseChecksumValidation: location.endpoint ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED',
    })
    const store = new S3BlobStore(location, client, {partSize, queueSize: options.queueSize ?? 4})
    try {
      await client.send(new HeadBucketCommand({Bucket: location.bucket}))
    } catch (error) {
      client.destroy()
      throw new RtccError(`cannot reach the evidence bucket ${describeS3(location)}: ${s3Message(error)}`, {
        code: 'evidence_store_unavailable',
        hint: 'Check the bucket name, the endpoint, and the credentials (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE or an instance role).',
      })
    }
    return store
  }

  describe(): string {
    return describeS3(this.location)
  }

  private objectKey(key: string): string {
    assertBlobKey(key)
    return this.location.prefix + key
  }

  async put(key: string, source: Readable): Promise<{key: string; bytes: number}> {
    const Key = this.objectKey(key)
    if (await this.exists(key)) {
      source.destroy() // the evidence layer waits for its side of the pipe to end too
      throw new RtccError(`evidence blob ${key} already exists; blobs are never overwritten`, {code: 'exists', where: key})
    }
    // A failing source destroys the counter, which fails lib-storage's read of it and so the upload.
    const counter = new ByteCounter()
    let sourceError: Error | undefined
    pipeline(source, counter, (error) => (sourceError = error ?? undefined))
    const upload = new Upload({
      client: this.client,
      params: {Bucket: this.location.bucket, Key, Body: counter, IfNoneMatch: '*', ContentType: 'application/octet-stream', ServerSideEncryption: this.location.sse},
      partSize: this.options.partSize,
      queueSize: this.options.queueSize,
      leavePartsOnError: false, // a failed multipart upload is aborted: no orphan parts, nothing visible
    })
    try {
      await upload.done()
    } catch (error) {
      await upload.abort().catch(() => undefined)
      if (sourceError) throw sourceError // the cause, not what aborting the upload then said
      if (isCondition(error)) throw new RtccError(`evidence blob ${key} already exists; blobs are never overwritten`, {code: 'exists', where: key})
      throw error instanceof S3ServiceException ? storeError(this.location, key, error) : error
    }
    return {key, bytes: counter.bytes}
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    try {
      const response = await this.client.send(
        new GetObjectCommand({Bucket: this.location.bucket, Key: this.objectKey(key), Range: range ? `bytes=${range.start}-${range.end}` : undefined}),
      )
      return response.Body as Readable
    } catch (error) {
      throw notFound(error) ? blobNotFound(key) : storeError(this.location, key, error)
    }
  }

  async size(key: string): Promise<number> {
    try {
      const head = await this.client.send(new HeadObjectCommand({Bucket: this.location.bucket, Key: this.objectKey(key)}))
      return head.ContentLength ?? 0
    } catch (error) {
      throw notFound(error) ? blobNotFound(key) : storeError(this.location, key, error)
    }
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.size(key)
      return true
    } catch (error) {
      if ((error as RtccError).code === 'evidence_missing') return false
      throw error
    }
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({Bucket: this.location.bucket, Key: this.objectKey(key)}))
  }

  close(): void {
    this.client.destroy()
  }
}

class ByteCounter extends Transform {
  bytes = 0

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length
    done(null, chunk)
  }
}

const statusOf = (error: unknown) => (error as {$metadata?: {httpStatusCode?: number}}).$metadata?.httpStatusCode
const notFound = (error: unknown) => (error as Error).name === 'NoSuchKey' || (error as Error).name === 'NotFound' || statusOf(error) === 404
const isCondition = (error: unknown) => statusOf(error) === 412 || (error as Error).name === 'PreconditionFailed'

function s3Message(error: unknown): string {
  const status = statusOf(error)
  const name = (error as Error).name
  const message = (error as Error).message
  return [status && `HTTP ${status}`, name !== 'Error' && name !== message && name, message && message !== 'UnknownError' && message].filter(Boolean).join(' ') || String(error)
}

/** An object store failure an operator can act on, naming the store and the blob. */
function storeError(location: S3Location, key: string, error: unknown): RtccError {
  return new RtccError(`the evidence store ${describeS3(location)} failed for blob ${key}: ${s3Message(error)}`, {
    code: 'evidence_store_unavailable',
    where: key,
    hint: 'Check that the object store is up and the credentials still allow reading and writing the bucket.',
  })
}
