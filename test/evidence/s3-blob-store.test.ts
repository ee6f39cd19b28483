/**
 * The S3 evidence backend against a real S3 protocol peer (s3rver on loopback): multipart uploads larger
 * than a part, ranged reads, and missing or altered objects reported exactly as the local folder reports
 * them (the same cases run on both backends).
 */
import {ListObjectsV2Command} from '@aws-sdk/client-s3'
import {randomBytes} from 'node:crypto'
import {readFileSync, writeFileSync} from 'node:fs'
import {Readable} from 'node:stream'
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'

import type {BlobStore} from '../../src/lib/evidence/blob-store.js'
import {openBlobStore} from '../../src/lib/evidence/open-blob-store.js'
import {S3BlobStore} from '../../src/lib/evidence/s3-blob-store.js'
import {parseS3Url} from '../../src/lib/evidence/s3-location.js'
import {EvidenceStore} from '../../src/lib/evidence/store.js'
import {startS3Peer, type S3Peer} from '../helpers/s3.js'
import {blobPath, collect, drain, openStore, tempDir} from './helpers.js'

const PART = 5 * 1024 * 1024
let peer: S3Peer
let blobs: S3BlobStore
let cleanups: (() => void)[] = []

beforeAll(async () => {
  peer = await startS3Peer()
  blobs = await S3BlobStore.open(peer.url, {partSize: PART})
})
afterAll(async () => {
  blobs?.close()
  await peer?.close()
})
afterEach(() => {
  for (const cleanup of cleanups) cleanup()
  cleanups = []
})

const objectsStored = async () => ((await peer.client.send(new ListObjectsV2Command({Bucket: peer.bucket}))).Contents ?? []).map((o) => o.Key).sort()

describe('S3BlobStore', () => {
  it('uploads a blob larger than one part in parts, and reads it back whole and by range', async () => {
    const data = randomBytes(2 * PART + 1_000_003) // three parts, the last a short one
    const chunks = Array.from({length: Math.ceil(data.length / 65_536)}, (_, i) => data.subarray(i * 65_536, (i + 1) * 65_536))
    expect(await blobs.put('evd_multipart0001', Readable.from(chunks))).toEqual({key: 'evd_multipart0001', bytes: data.length})
    expect(await blobs.size('evd_multipart0001')).toBe(data.length)
    expect((await peer.read('evd_multipart0001')).equals(data)).toBe(true)
    expect((await collect(await blobs.get('evd_multipart0001'))).equals(data)).toBe(true)
    // a range across the first part boundary
    expect((await collect(await blobs.get('evd_multipart0001', {start: PART - 10, end: PART + 9}))).equals(data.subarray(PART - 10, PART + 10))).toBe(true)
    expect(await objectsStored()).toContain('test/evd_multipart0001')
    await blobs.delete('evd_multipart0001')
    expect(await blobs.exists('evd_multipart0001')).toBe(false)
    await blobs.delete('evd_multipart0001') // deleting a missing blob is fine
  })

  it('never overwrites a stored blob', async () => {
    await blobs.put('evd_written000001', Readable.from([Buffer.from('first')]))
    await expect(blobs.put('evd_written000001', Readable.from([Buffer.from('second')]))).rejects.toMatchObject({code: 'exists'})
    expect((await peer.read('evd_written000001')).toString()).toBe('first')
  })

  it('leaves no object when the upload stream dies after the first part', async () => {
    const source = new Readable({read() {}})
    const stored = blobs.put('evd_died00000001', source)
    source.push(randomBytes(PART + 4096))
    setTimeout(() => source.destroy(new Error('client went away')), 200)
    await expect(stored).rejects.toThrow('client went away')
    expect(await blobs.exists('evd_died00000001')).toBe(false)
    expect(await objectsStored()).not.toContain('test/evd_died00000001')
  })

  it('refuses keys that could name another object', async () => {
    for (const key of ['../other-prefix/evd_x0000001', 'evd_ok/../x', 'EVD_UPPERCASE1']) await expect(blobs.put(key, Readable.from([Buffer.from('x')]))).rejects.toMatchObject({code: 'invalid_key'})
  })

  it('fails at open, naming the bucket, when the bucket does not exist', async () => {
    const url = peer.url.replace('s3://rtcc-evidence/', 's3://no-such-bucket/')
    await expect(S3BlobStore.open(url, {partSize: PART})).rejects.toMatchObject({code: 'evidence_store_unavailable', message: expect.stringContaining('s3://no-such-bucket/test/')})
  })
})

describe('evidence store URLs', () => {
  it('reads bucket, prefix and options; asks AWS for SSE by default and other stores only when told', () => {
    expect(parseS3Url('s3://county-evidence/rtcc/prod')).toEqual({bucket: 'county-evidence', prefix: 'rtcc/prod/', endpoint: undefined, region: expect.any(String), forcePathStyle: false, sse: 'AES256'})
    expect(parseS3Url('s3://evs/x?endpoint=http://127.0.0.1:9000&region=eu-west-1')).toMatchObject({endpoint: 'http://127.0.0.1:9000', region: 'eu-west-1', forcePathStyle: true, sse: undefined})
    expect(parseS3Url('s3://evs?endpoint=https://minio.example.org&sse=AES256&forcePathStyle=false')).toMatchObject({prefix: '', sse: 'AES256', forcePathStyle: false})
    expect(parseS3Url('s3://evs/x?sse=off').sse).toBeUndefined()
  })

  it('rejects a bad URL naming what is wrong, with exit code 2', () => {
    const cases: [string, RegExp][] = [
      ['s3://Bad_Bucket/x', /not a valid bucket name/],
      ['s3://evs/x?sse=des', /sse must be one of AES256/],
      ['s3://evs/x?endpiont=http://h', /unknown option endpiont/],
      ['s3://key:secret@evs/x', /credentials do not belong in the URL/],
      ['s3://evs/x?endpoint=ftp://h', /must be http\(s\):\/\/host/],
    ]
    for (const [url, message] of cases) expect(() => parseS3Url(url), url).toThrow(expect.objectContaining({exitCode: 2, message: expect.stringMatching(message)}))
    expect(JSON.stringify((() => {
      try {
        parseS3Url('s3://key:secret@evs/x')
      } catch (error) {
        return (error as Error).message
      }
    })())).not.toContain('secret@')
  })

  it('refuses a scheme other than s3://', async () => {
    await expect(openBlobStore('/nonexistent', 'gs://bucket/x')).rejects.toMatchObject({exitCode: 2, message: expect.stringContaining('only s3:// is supported')})
  })
})

/** The same damage on either backend, done behind the store's back. */
interface Backend {
  name: string
  open(): Promise<{store: EvidenceStore; read(id: string): Promise<Buffer>; write(id: string, bytes: Buffer): Promise<void>; remove(id: string): Promise<void>}>
}

const backends: Backend[] = [
  {
    name: 'local folder',
    open: async () => {
      const {dir, cleanup} = tempDir()
      cleanups.push(cleanup)
      const {store} = await openStore(dir, {segmentSize: 4096})
      return {
        store,
        read: async (id) => readFileSync(blobPath(dir, id)),
        write: async (id, bytes) => writeFileSync(blobPath(dir, id), bytes),
        remove: (id) => store.blobs.delete(id),
      }
    },
  },
  {
    name: 'S3 peer',
    open: async () => {
      const store = new EvidenceStore(blobs as BlobStore, randomBytes(32), {segmentSize: 4096})
      return {store, read: (id) => peer.read(id), write: (id, bytes) => peer.write(id, bytes), remove: (id) => blobs.delete(id)}
    },
  },
]

describe.each(backends)('evidence on the $name', (backend) => {
  it('a flipped byte in the stored blob fails the read as evidence_corrupt, naming the blob and segment', async () => {
    const {store, read, write} = await backend.open()
    const data = randomBytes(5 * 4096 + 100)
    const stored = await store.put(Readable.from([data]))
    const bytes = await read(stored.id)
    expect(bytes.includes(data.subarray(0, 64))).toBe(false) // only ciphertext leaves the server
    bytes[bytes.length - 50] = bytes[bytes.length - 50]! ^ 0x01
    await write(stored.id, bytes)
    const {error} = await store.read(stored.id, stored).then(drain)
    expect(error).toMatchObject({code: 'evidence_corrupt', where: stored.id})
    expect(error!.message).toMatch(new RegExp(`^evidence ${stored.id} FAILED integrity check: segment 5 \\(stored bytes \\d+–\\d+\\) failed AES-GCM authentication$`))
  })

  it('a missing blob is evidence_missing, naming it', async () => {
    const {store, remove} = await backend.open()
    const stored = await store.put(Readable.from([randomBytes(10_000)]))
    await remove(stored.id)
    await expect(store.read(stored.id, stored)).rejects.toMatchObject({code: 'evidence_missing', where: stored.id, message: `evidence blob ${stored.id} not found in the evidence store`})
  })
})
