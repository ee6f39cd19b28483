import {createHash, randomBytes} from 'node:crypto'
import {copyFileSync, readFileSync, truncateSync, appendFileSync, writeFileSync} from 'node:fs'
import {Readable} from 'node:stream'
import {afterEach, describe, expect, it} from 'vitest'

import {EvidenceStore} from '../../src/lib/evidence/store.js'
import {blobPath, collect, drain, filesOnDisk, openStore, tempDir} from './helpers.js'

const SEG = 4096
let cleanups: (() => void)[] = []
afterEach(() => {
  for (const cleanup of cleanups) cleanup()
  cleanups = []
})

async function setup(options = {}) {
  const {dir, cleanup} = tempDir()
  cleanups.push(cleanup)
  return {dir, ...(await openStore(dir, {segmentSize: SEG, ...options}))}
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex')
/** Feeds data in odd-sized chunks, as a network would. */
const chunked = (data: Buffer, size = 1500) => Readable.from(Array.from({length: Math.ceil(data.length / size)}, (_, i) => data.subarray(i * size, (i + 1) * size)))

function flipByte(file: string, offset: number): void {
  const bytes = readFileSync(file)
  bytes[offset] = bytes[offset]! ^ 0x01
  writeFileSync(file, bytes)
}

describe('EvidenceStore encryption at rest', () => {
  it('round-trips sizes around segment boundaries, recording the SHA-256 of the original', async () => {
    const {store} = await setup()
    for (const size of [0, 1, SEG - 1, SEG, SEG + 1, 3 * SEG, 3 * SEG + 77]) {
      const data = randomBytes(size)
      const stored = await store.put(chunked(data))
      expect(stored).toMatchObject({bytes: size, sha256: sha256(data), encryption: {algorithm: 'AES-256-GCM-SEGMENTED', segmentSize: SEG}})
      expect(stored.id).toMatch(/^evd_[0-9a-z]{26}$/)
      expect((await collect(await store.read(stored.id, stored))).equals(data)).toBe(true)
      const opened = await store.open(stored.id)
      expect(opened.plaintextBytes).toBe(size)
      if (size > 10) expect((await collect(await store.readRange(opened, 3, size - 5))).equals(data.subarray(3, size - 4))).toBe(true)
    }
  })

  it('keeps no plaintext at rest', async () => {
    const {dir, store} = await setup()
    const marker = Buffer.from('CASE-2026-0142 plaintext marker '.repeat(300))
    const stored = await store.put(Readable.from([marker]))
    const atRest = readFileSync(blobPath(dir, stored.id))
    expect(atRest.includes(Buffer.from('CASE-2026-0142'))).toBe(false)
    expect(atRest.subarray(0, 8).toString()).toBe('RTCCEVD1')
  })

  it('detects a flipped byte anywhere in the stored blob, naming the blob', async () => {
    const {dir, store} = await setup()
    const data = randomBytes(5 * SEG + 100)
    const stored = await store.put(chunked(data))
    const file = blobPath(dir, stored.id)
    const pristine = readFileSync(file)
    const headerLength = 12 + pristine.readUInt32BE(8)
    // header JSON, first segment, a middle segment's tag, the last segment
    for (const offset of [40, headerLength + 10, headerLength + 2 * (SEG + 16) + SEG + 3, pristine.length - 30]) {
      writeFileSync(file, pristine)
      flipByte(file, offset)
      const failure = store.read(stored.id, stored).then(drain)
      const {error} = await failure.catch((e: Error & {code?: string}) => ({error: e}))
      expect(error, `flip at ${offset}`).toMatchObject({code: 'evidence_corrupt'})
      expect(error!.message).toContain(stored.id)
    }
  })

  it('releases no bytes of a segment that fails authentication, nor anything after it', async () => {
    const {dir, store} = await setup()
    const data = randomBytes(5 * SEG)
    const stored = await store.put(chunked(data))
    const file = blobPath(dir, stored.id)
    const headerLength = 12 + readFileSync(file).readUInt32BE(8)
    flipByte(file, headerLength + 2 * (SEG + 16) + 5) // inside segment 2
    const {received, error} = await drain(await store.read(stored.id, stored))
    expect(error?.message).toMatch(/segment 2 .*failed AES-GCM authentication/)
    expect(received.length).toBeLessThanOrEqual(2 * SEG)
    expect(received.equals(data.subarray(0, received.length))).toBe(true)
  })

  it('fails a whole-file read whose hash disagrees with the record, withholding the last segment', async () => {
    const {store} = await setup()
    const data = randomBytes(3 * SEG + 10)
    const stored = await store.put(chunked(data))
    const {received, error} = await drain(await store.read(stored.id, {sha256: sha256(Buffer.from('something else')), bytes: stored.bytes}))
    expect(error).toMatchObject({code: 'evidence_corrupt'})
    expect(error!.message).toContain(`recorded ${sha256(Buffer.from('something else'))}`)
    expect(received.length).toBeLessThan(data.length)
    const sizeLie = await drain(await store.read(stored.id, {sha256: stored.sha256, bytes: stored.bytes + 1}))
    expect(sizeLie.error?.message).toContain(`decrypted ${stored.bytes} bytes, recorded ${stored.bytes + 1}`)
  })

  it('detects a truncated or extended blob', async () => {
    const {dir, store} = await setup()
    const data = randomBytes(4 * SEG + 500)
    const stored = await store.put(chunked(data))
    const file = blobPath(dir, stored.id)
    const pristine = readFileSync(file)

    truncateSync(file, pristine.length - (500 + 16)) // drop the final segment: the one before it is not marked final
    expect((await store.read(stored.id, stored).then(drain)).error).toMatchObject({code: 'evidence_corrupt'})

    writeFileSync(file, pristine)
    appendFileSync(file, randomBytes(40))
    expect((await store.read(stored.id, stored).then(drain)).error).toMatchObject({code: 'evidence_corrupt'})
  })

  it('refuses a blob moved under another evidence id', async () => {
    const {dir, store} = await setup()
    const a = await store.put(Readable.from([randomBytes(1000)]))
    const b = await store.put(Readable.from([randomBytes(1000)]))
    copyFileSync(blobPath(dir, a.id), blobPath(dir, b.id))
    await expect(store.read(b.id, b)).rejects.toThrow(`belongs to "${a.id}"`)
  })

  it('names the master key a blob needs when the server has another', async () => {
    const {dir, store, blobs} = await setup()
    const stored = await store.put(Readable.from([randomBytes(100)]))
    const other = new EvidenceStore(blobs, randomBytes(32))
    await expect(other.read(stored.id, stored)).rejects.toMatchObject({code: 'wrong_master_key', where: stored.id})
    expect(filesOnDisk(dir)).toHaveLength(1)
  })

  it('stops an upload past the size limit and stores nothing', async () => {
    const {dir, store} = await setup({maxBytes: 10 * SEG})
    await expect(store.put(chunked(randomBytes(12 * SEG)))).rejects.toMatchObject({code: 'too_large', message: expect.stringContaining('40 KiB')})
    await expect(store.put(chunked(randomBytes(3 * SEG)), {maxBytes: 2 * SEG})).rejects.toMatchObject({code: 'too_large'})
    expect(filesOnDisk(dir)).toEqual([])
    await store.put(chunked(randomBytes(10 * SEG))) // exactly the limit is fine
    expect(filesOnDisk(dir)).toHaveLength(1)
  })

  it('verify() passes an intact file and fails a damaged one', async () => {
    const {dir, store} = await setup()
    const stored = await store.put(chunked(randomBytes(2 * SEG + 5)))
    await store.verify(stored.id, stored)
    flipByte(blobPath(dir, stored.id), readFileSync(blobPath(dir, stored.id)).length - 1)
    await expect(store.verify(stored.id, stored)).rejects.toMatchObject({code: 'evidence_corrupt'})
  })
})
