/**
 * The import service over each store backend: the same file gives the same summary (inserted, updated,
 * unchanged, skipped, rejected, owners created) and the same rejects in file order on SQLite and on
 * PostgreSQL. PostgreSQL is never skipped: without it these tests fail.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {ImportRequestOptions} from '../../src/lib/domain/registry-import.js'
import {syntheticCameraCsv} from '../../src/lib/registry/synthetic.js'
import type {Actor, ServiceContext} from '../../src/lib/services/context.js'
import {importCameras, type ImportInput} from '../../src/lib/services/registry-import.js'
import type {PgStore} from '../../src/lib/store/postgres/pg-store.js'
import type {SqliteStore} from '../../src/lib/store/sqlite-store.js'
import type {Store} from '../../src/lib/store/store.js'
import {BACKENDS, openBackend, type OpenedStore} from './backends.js'

const file = (count: number, source: string) => [...syntheticCameraCsv(count, {source, spreadMetres: 3000})].join('')

/** A file's lines: header, then rows 2, 3, … */
const lines = (text: string) => text.trimEnd().split('\n')

const admin = {role: 'admin', user: {id: 'usr_admin', username: 'admin', agency_id: null}} as unknown as Actor

function serviceContext(store: Store): ServiceContext {
  return {store, now: () => new Date(), note: () => undefined, audited: (fn: () => unknown) => store.transaction(fn)} as unknown as ServiceContext
}

async function run(store: Store, text: string, options: Partial<ImportInput['options']> = {}, actor = admin) {
  const input: ImportInput = {
    options: {format: 'csv', fileName: 'cams.csv', onConflict: 'update', dryRun: false, atomic: false, encoding: 'utf8', allowNullIsland: false, ...options} as ImportRequestOptions & ImportInput['options'],
    body: [Buffer.from(text)],
    complete: () => true,
  }
  const {seconds: _seconds, ...summary} = await importCameras(serviceContext(store), actor, input)
  return summary
}

describe.each(BACKENDS)('registry import service on %s', (backend) => {
  let opened: OpenedStore<SqliteStore | PgStore>
  let store: Store
  beforeAll(async () => {
    opened = await openBackend(backend)
    store = opened.store as unknown as Store
  })
  afterAll(() => opened?.close())

  it('imports valid rows, lists a repeated and an invalid row in file order, and re-importing changes nothing', async () => {
    const rows = lines(file(2500, 'city'))
    const broken = rows[5]!.replace(/,-87\.\d+,/, ',not-a-longitude,')
    const text = [...rows, rows[3]!, broken].join('\n') + '\n'
    const first = await run(store, text)
    expect(first).toMatchObject({read: 2502, inserted: 2500, updated: 0, unchanged: 0, skipped: 0, rejected: 2, ownersCreated: 2500, conflicts: 0, applied: true})
    expect(first.rejects.map((r) => [r.row, r.errors[0]!.field])).toEqual([
      [2502, 'external_id'],
      [2503, 'longitude'],
    ])
    expect(first.rejects[0]!.errors[0]!.message).toBe('duplicates row 4 (same source "city" and external_id)')
    expect((await store.cameras.registryStats({kind: 'all'})).cameras).toBe(2500)

    const again = await run(store, text)
    expect(again).toMatchObject({inserted: 0, updated: 0, unchanged: 2500, rejected: 2, ownersCreated: 0, applied: true})
  })

  it('counts changes the same way under each conflict policy, dry run and atomic', async () => {
    const rows = lines(file(2500, 'city'))
    const edited = rows.map((row, i) => (i > 0 && i <= 30 ? row.replace(`Camera ${i},`, `Renamed ${i},`) : row))
    const extra = lines(file(10, 'fresh')).slice(1)
    const text = [...edited, ...extra].join('\n') + '\n'
    expect(await run(store, text, {dryRun: true})).toMatchObject({inserted: 10, updated: 30, unchanged: 2470, skipped: 0, conflicts: 30, applied: false})
    expect(await run(store, text, {onConflict: 'fail'})).toMatchObject({inserted: 10, updated: 0, unchanged: 2470, skipped: 0, conflicts: 30, applied: false})
    expect(await run(store, text, {onConflict: 'skip'})).toMatchObject({inserted: 10, updated: 0, unchanged: 2470, skipped: 30, conflicts: 30, applied: true})
    expect(await run(store, text + 'garbage\n', {atomic: true})).toMatchObject({inserted: 0, updated: 30, rejected: 1, applied: false})
    expect(await run(store, text)).toMatchObject({inserted: 0, updated: 30, unchanged: 2480, skipped: 0, conflicts: 30, applied: true})
    const renamed = await store.cameras.listCameras({kind: 'all'}, {limit: 10_000})
    expect(renamed.filter((c) => c.name.startsWith('Renamed ')).length).toBe(30)
    expect(renamed.length).toBe(2510)
  })

  it('an agency user’s rows outside its jurisdiction are rejected and never applied', async () => {
    const west = await store.agencies.insertAgency('West PD', {type: 'Polygon', coordinates: [[[-88, 41.5], [-87.6298, 41.5], [-87.6298, 42.2], [-88, 42.2], [-88, 41.5]]]})
    const supervisor = {role: 'supervisor', user: {id: 'usr_sup', username: 'sup', agency_id: west.id}} as unknown as Actor
    const text = file(400, 'agency')
    const summary = await run(store, text, {}, supervisor)
    const outside = lines(text).slice(1).filter((row) => Number(row.split(',')[4]) > -87.6298).length
    expect(outside).toBeGreaterThan(100)
    expect(summary).toMatchObject({read: 400, inserted: 400 - outside, rejected: outside})
    expect(summary.rejects.every((r) => r.errors[0]!.message === 'outside the jurisdiction of West PD')).toBe(true)
  })
})
