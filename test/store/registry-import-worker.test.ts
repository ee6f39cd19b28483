/**
 * The import's parse-and-validate worker (services/registry-import-rows.ts): a file error raised in the
 * worker reaches the caller as the same RtccError readCameras throws in-thread; a file much larger than
 * what may be in flight, fed in small chunks, comes back whole and in file order; a body that fails
 * part-way fails the read (and, through the service, applies nothing). Workers are pooled: the next
 * import reuses an idle one, a worker stopped mid-file is never reused, concurrent imports each get
 * their own, and an idle worker does not keep the process alive.
 */
import {spawnSync} from 'node:child_process'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {describe, expect, it} from 'vitest'

import type {CameraInput} from '../../src/lib/domain/camera.js'
import {RtccError} from '../../src/lib/errors.js'
import {readCameras} from '../../src/lib/registry/import.js'
import {syntheticCameraCsv} from '../../src/lib/registry/synthetic.js'
import type {Actor, ServiceContext} from '../../src/lib/services/context.js'
import {CAMERA_FIELDS, idleImportWorkers, packCamera, readRowBatches, unpackCamera, type RowBatch} from '../../src/lib/services/registry-import-rows.js'
import {importCameras} from '../../src/lib/services/registry-import.js'
import type {Store} from '../../src/lib/store/store.js'
import {removeDir, tempDir} from '../helpers/server.js'
import {useBackendStore} from './backends.js'

const csv = (count: number) => [...syntheticCameraCsv(count, {source: 'city', spreadMetres: 3000})].join('')

function* chunksOf(text: string, size: number): Generator<Uint8Array> {
  const bytes = Buffer.from(text)
  // Views into one buffer, as a socket's chunks can be: each must cross alone, not with the whole buffer.
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size)
}

async function collect(body: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<{batches: RowBatch[]; headers: string[]}> {
  let headers: string[] = []
  const batches: RowBatch[] = []
  for await (const batch of readRowBatches(body, {read: {format: 'csv', fileName: 'cams.csv'}}, (h) => (headers = h))) batches.push(batch)
  return {batches, headers}
}

describe('registry import worker', () => {
  it('a file without a latitude column fails in the worker with the same RtccError as in-thread', async () => {
    const text = 'external_id,source,longitude,owner_email\nx1,city,-87.6,a@example.com\n'
    let inThread: RtccError | undefined
    try {
      for await (const _row of readCameras([Buffer.from(text)], {format: 'csv', fileName: 'cams.csv'}));
    } catch (error) {
      inThread = error as RtccError
    }
    const viaWorker = await collect([Buffer.from(text)]).then(
      () => undefined,
      (error: unknown) => error,
    )
    expect(inThread).toBeInstanceOf(RtccError)
    expect(viaWorker).toBeInstanceOf(RtccError)
    const {code, exitCode, message, hint, where} = viaWorker as RtccError
    expect({code, exitCode, message, hint, where}).toEqual({code: inThread!.code, exitCode: inThread!.exitCode, message: inThread!.message, hint: inThread!.hint, where: inThread!.where})
    expect(code).toBe('missing_columns')
    expect(exitCode).toBe(2)
  })

  it('streams a file larger than the bytes and batches in flight, in 1 KB views, back whole and in file order', async () => {
    const rows = csv(30_000).trimEnd().split('\n')
    const text = [...rows, rows[10]!, 'x,city,broken,,,'].join('\n') + '\n'
    expect(text.length).toBeGreaterThan(5 * 2 ** 20)
    const {batches, headers} = await collect(chunksOf(text, 1024))
    expect(headers[0]).toBe('external_id')
    expect(batches.length).toBeGreaterThan(8)
    const staged = batches.flatMap((b) => b.rows)
    expect(staged).toEqual(Array.from({length: 30_001}, (_, i) => i + 2))
    const last = batches.at(-1)!
    expect(unpackCamera(last.fields, last.rows.length - 1)).toMatchObject({externalId: rows[10]!.split(',')[0], source: 'city'})
    // Only the repeated key travels with its raw cells; the broken row comes back as a reject.
    expect(batches.flatMap((b) => b.suspects.map(([row, raw]) => [row, raw.external_id]))).toEqual([[30_002, rows[10]!.split(',')[0]]])
    expect(batches.flatMap((b) => b.others.map((o) => ('reject' in o ? o.reject.row : -1)))).toEqual([30_003])
  })

  it('a packed camera unpacks to exactly the camera packed, every field in its place', () => {
    // A value of its own per field, so a field read from its neighbour's slot shows.
    const camera = (n: number) => Object.fromEntries(CAMERA_FIELDS.map((field, i) => [field, `${field} ${n} ${i}`])) as unknown as CameraInput
    const fields: unknown[] = []
    packCamera(camera(1), fields)
    packCamera(camera(2), fields)
    expect(unpackCamera(fields, 1)).toStrictEqual(camera(2))
    expect(unpackCamera(fields, 0)).toStrictEqual(camera(1))
  })

  it('a body that fails part-way fails the read with that error', async () => {
    async function* cut(): AsyncGenerator<Uint8Array> {
      yield* chunksOf(csv(2000), 4096)
      throw new Error('socket hang up')
    }
    await expect(collect(cut())).rejects.toThrow('socket hang up')
  })
})

const rowNumbers = (batches: RowBatch[]) => batches.flatMap((b) => b.rows)
const sorted = (ids: number[]) => [...ids].sort((a, b) => a - b)

describe('pooled import workers', () => {
  it('a second import reuses the idle worker the first one left', async () => {
    await collect([Buffer.from(csv(50))])
    const idle = idleImportWorkers()
    expect(idle.length).toBeGreaterThan(0)
    const {batches} = await collect(chunksOf(csv(2000), 4096))
    expect(rowNumbers(batches)).toEqual(Array.from({length: 2000}, (_, i) => i + 2))
    expect(sorted(idleImportWorkers())).toEqual(sorted(idle))
  })

  it('a worker stopped mid-file is terminated, not reused, and the next import is whole', async () => {
    await collect([Buffer.from(csv(50))])
    const idle = idleImportWorkers()
    async function* cut(): AsyncGenerator<Uint8Array> {
      yield* chunksOf(csv(20_000), 4096)
      throw new Error('aborted')
    }
    await expect(collect(cut())).rejects.toThrow('aborted')
    const left = idleImportWorkers()
    expect(left).toHaveLength(idle.length - 1)
    const {batches} = await collect(chunksOf(csv(3000), 4096))
    expect(rowNumbers(batches)).toEqual(Array.from({length: 3000}, (_, i) => i + 2))
    expect(idleImportWorkers().filter((id) => !left.includes(id))).toHaveLength(1)
  })

  it('two imports at once each get a worker and their own rows', async () => {
    const [a, b] = await Promise.all([collect(chunksOf(csv(4000), 2048)), collect(chunksOf(csv(2500).replaceAll(',city,', ',county,'), 2048))])
    expect(rowNumbers(a.batches)).toEqual(Array.from({length: 4000}, (_, i) => i + 2))
    expect(rowNumbers(b.batches)).toEqual(Array.from({length: 2500}, (_, i) => i + 2))
    expect(a.batches.every((batch) => batch.rows.every((_, i) => unpackCamera(batch.fields, i).source === 'city'))).toBe(true)
    expect(b.batches.every((batch) => batch.rows.every((_, i) => unpackCamera(batch.fields, i).source === 'county'))).toBe(true)
    expect(idleImportWorkers()).toHaveLength(2)
  })

  it('an idle worker does not keep the process alive', () => {
    const dir = tempDir('rtcc-import-worker-')
    try {
      const script = join(dir, 'one-import.mts')
      const rowsModule = new URL('../../src/lib/services/registry-import-rows.ts', import.meta.url).href
      writeFileSync(
        script,
        `import {idleImportWorkers, readRowBatches} from ${JSON.stringify(rowsModule)}
let rows = 0
for await (const batch of readRowBatches([Buffer.from(${JSON.stringify(csv(100))})], {read: {format: 'csv', fileName: 'x.csv'}}, () => undefined)) rows += batch.rows.length
console.log(rows, idleImportWorkers().length)
`,
      )
      const root = fileURLToPath(new URL('../..', import.meta.url))
      const run = spawnSync(process.execPath, ['--import', 'tsx', script], {cwd: root, encoding: 'utf8', timeout: 60_000})
      expect(run.signal).toBeNull()
      expect({status: run.status, stdout: run.stdout.trim()}).toEqual({status: 0, stdout: '100 1'})
    } finally {
      removeDir(dir)
    }
  })
})

describe('registry import service with a cut upload', () => {
  const store = useBackendStore('sqlite')
  it('applies nothing and says the upload was cut', async () => {
    async function* cut(): AsyncGenerator<Uint8Array> {
      yield* chunksOf(csv(3000), 4096)
      throw new Error('aborted')
    }
    const ctx = {store, now: () => new Date(), note: () => undefined, audited: (fn: () => unknown) => store.transaction(fn)} as unknown as ServiceContext
    const admin = {role: 'admin', user: {id: 'usr_admin', username: 'admin', agency_id: null}} as unknown as Actor
    const options = {format: 'csv', fileName: 'cams.csv', onConflict: 'update', dryRun: false, atomic: false} as const
    await expect(importCameras(ctx, admin, {options, body: cut(), complete: () => false} as never)).rejects.toMatchObject({code: 'upload_incomplete'})
    expect((await (store as unknown as Store).cameras.registryStats({kind: 'all'})).cameras).toBe(0)
  })
})
