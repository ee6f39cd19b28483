import {spawnSync} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {Readable} from 'node:stream'
import {afterAll, afterEach, describe, expect, it} from 'vitest'

import {LocalBlobStore} from '../../src/lib/evidence/blob-store.js'
import {collect, filesOnDisk, openStore, tempDir} from './helpers.js'

let cleanups: (() => void)[] = []
afterEach(() => {
  for (const cleanup of cleanups) cleanup()
  cleanups = []
})

async function open() {
  const {dir, cleanup} = tempDir()
  cleanups.push(cleanup)
  return {dir, blobs: await LocalBlobStore.open(dir)}
}

describe('LocalBlobStore', () => {
  it('stores a stream under a generated key and reads it back whole and by range', async () => {
    const {dir, blobs} = await open()
    const data = randomBytes(200_000)
    const result = await blobs.put('evd_test00000001', Readable.from([data.subarray(0, 70_000), data.subarray(70_000)]))
    expect(result).toEqual({key: 'evd_test00000001', bytes: 200_000})
    expect(await blobs.exists('evd_test00000001')).toBe(true)
    expect(await blobs.size('evd_test00000001')).toBe(200_000)
    expect((await collect(await blobs.get('evd_test00000001'))).equals(data)).toBe(true)
    expect((await collect(await blobs.get('evd_test00000001', {start: 1000, end: 1999}))).equals(data.subarray(1000, 2000))).toBe(true)
    expect(filesOnDisk(dir)).toEqual(['blobs/01/evd_test00000001'])
    await blobs.delete('evd_test00000001')
    expect(await blobs.exists('evd_test00000001')).toBe(false)
    await blobs.delete('evd_test00000001') // deleting a missing blob is fine
  })

  it('never overwrites a stored blob', async () => {
    const {blobs} = await open()
    await blobs.put('evd_test00000002', Readable.from([Buffer.from('first')]))
    await expect(blobs.put('evd_test00000002', Readable.from([Buffer.from('second')]))).rejects.toMatchObject({code: 'exists'})
    expect((await collect(await blobs.get('evd_test00000002'))).toString()).toBe('first')
  })

  it('refuses keys that could name a path', async () => {
    const {blobs} = await open()
    for (const key of ['../../etc/passwd', 'evd_ok/../x', 'EVD_UPPERCASE1', 'short', '']) {
      await expect(blobs.put(key, Readable.from([Buffer.from('x')]))).rejects.toMatchObject({code: 'invalid_key'})
    }
  })

  it('leaves no blob and no temp file when the upload stream dies midway', async () => {
    const {dir, blobs} = await open()
    const source = new Readable({read() {}})
    const stored = blobs.put('evd_test00000003', source)
    source.push(randomBytes(64 * 1024))
    setTimeout(() => source.destroy(new Error('client went away')), 20)
    await expect(stored).rejects.toThrow('client went away')
    expect(await blobs.exists('evd_test00000003')).toBe(false)
    expect(filesOnDisk(dir)).toEqual([])
  })

  it('removes temp files a crash left behind when opened', async () => {
    const {dir} = await open()
    mkdirSync(join(dir, 'evidence', 'tmp'), {recursive: true})
    writeFileSync(join(dir, 'evidence', 'tmp', 'evd_crashed00001.abc.partial'), randomBytes(1000))
    await LocalBlobStore.open(dir)
    expect(filesOnDisk(dir)).toEqual([])
  })

  it('says which blob is missing', async () => {
    const {blobs} = await open()
    await expect(blobs.get('evd_missing000001')).rejects.toMatchObject({code: 'evidence_missing', where: 'evd_missing000001'})
    await expect(blobs.size('evd_missing000001')).rejects.toMatchObject({code: 'evidence_missing'})
  })
})

describe('a disk-full upload', () => {
  // A real full disk needs a small filesystem: a 1 MiB tmpfs, which only root may mount. Elsewhere
  // (a developer laptop) this is skipped; CI runs as root.
  const mountPoint = mkdtempSync(join(tmpdir(), 'rtcc-full-'))
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mountPoint]).status === 0
  afterAll(() => {
    if (mounted) spawnSync('umount', [mountPoint])
    rmSync(mountPoint, {recursive: true, force: true})
  })

  it.skipIf(!mounted)('fails with storage_full, leaves nothing behind, and the next upload that fits works', async () => {
    const {store} = await openStore(mountPoint)
    await expect(store.put(Readable.from(Array.from({length: 48}, () => randomBytes(64 * 1024))))).rejects.toMatchObject({code: 'storage_full', message: expect.stringContaining('out of disk space')})
    expect(filesOnDisk(mountPoint)).toEqual([])
    const small = await store.put(Readable.from([randomBytes(100_000)]))
    expect(filesOnDisk(mountPoint)).toEqual([`blobs/${small.id.slice(-2)}/${small.id}`])
  })
})
