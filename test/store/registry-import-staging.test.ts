/**
 * Rows repeating an earlier row's source + external_id, as the import service reports them on both
 * stores (SQLite: found in one pass after the worker staged the file; PostgreSQL: batch by batch):
 * the same reject rows, messages and raw cells as readCameras finds in-thread, in file order among
 * the other rejects, the first 10,000 listed and every one counted; only the first occurrence applied.
 * Two imports at once (SQLite: two pooled workers, two staging files) each stage and apply their own.
 */
import {describe, expect, it} from 'vitest'

import {readCameras} from '../../src/lib/registry/import.js'
import {syntheticCameraCsv} from '../../src/lib/registry/synthetic.js'
import type {Store} from '../../src/lib/store/store.js'
import {BACKENDS, useBackendStore} from './backends.js'
import {importText} from './import-text.js'

const lines = (count: number, source: string) => [...syntheticCameraCsv(count, {source, spreadMetres: 3000})].join('').trimEnd().split('\n')

/** The rejects readCameras reports in-thread (it finds repeats with a map in memory): the reference. */
async function inThreadRejects(text: string) {
  const rejects = []
  for await (const {row, raw, result} of readCameras([Buffer.from(text)], {format: 'csv', fileName: 'cams.csv'})) if (!result.ok) rejects.push({row, raw, errors: result.errors})
  return rejects
}

/** A row whose latitude is out of range (columns as syntheticCameraCsv writes them). */
const broken = (i: number) => `broken-${i},city,Broken ${i},95.5,-87.6,,residence,,,,,,yes,,no,,owner${i}@example.com,,,`

for (const backend of BACKENDS)
  describe(`import repeats found after staging (${backend})`, () => {
    const store = useBackendStore(backend) as unknown as Store

    it('reports each repeat like readCameras in-thread, in file order among other rejects, and applies the first occurrence', async () => {
      const [header, ...city] = lines(3000, 'city')
      const other = lines(5, 'county').slice(1)
      const rows = [...city]
      // A repeat early on, a repeat of a repeated key, a broken row between, the same id in another source (not a repeat).
      rows.splice(40, 0, city[3]!.replace(/,-?\d+\.\d+,/, ',41.9,'))
      rows.splice(41, 0, broken(1))
      rows.splice(500, 0, city[3]!)
      rows.push(city[2999]!, broken(2), other[0]!.replace(',county,', ',city,').replace(/^[^,]+/, city[10]!.split(',')[0]!), ...other)
      const text = [header, ...rows].join('\n') + '\n'
      const reference = await inThreadRejects(text)
      expect(reference.map((r) => r.errors[0]!.field)).toEqual(['external_id', 'latitude', 'external_id', 'external_id', 'latitude', 'external_id'])
      expect(reference[0]!.errors[0]!.message).toBe('duplicates row 5 (same source "city" and external_id)')
      const summary = await importText(store, text)
      expect(summary.rejects).toEqual(reference)
      expect({read: summary.read, rejected: summary.rejected, inserted: summary.inserted, truncated: summary.rejectsTruncated}).toEqual({read: rows.length, rejected: 6, inserted: 3005, truncated: false})
      // The first occurrence's values are the ones applied (the early repeat would have moved the camera).
      const first = city[3]!.split(',')
      const cameras = await store.cameras.listCameras({kind: 'all'}, {limit: 10_000})
      expect(cameras.find((c) => c.source === 'city' && c.externalId === first[0])?.latitude).toBe(Number(first[3]))
    })

    it('lists the first 10,000 rejects in file order when repeats and bad rows interleave, and counts them all', async () => {
      const [header, ...town] = lines(6000, 'town')
      const rows = [...town]
      for (let i = 0; i < 14_000; i++) rows.push(i % 2 === 0 ? town[(i * 7) % 6000]! : broken(i))
      const text = [header, ...rows].join('\n') + '\n'
      const reference = await inThreadRejects(text)
      expect(reference).toHaveLength(14_000)
      const summary = await importText(store, text)
      expect({rejected: summary.rejected, truncated: summary.rejectsTruncated, inserted: summary.inserted}).toEqual({rejected: 14_000, truncated: true, inserted: 6000})
      expect(summary.rejects).toEqual(reference.slice(0, 10_000))
      expect(summary.rejects[0]!.errors[0]!.message).toBe('duplicates row 2 (same source "town" and external_id)')
      expect(summary.rejects[1]!.errors[0]!.field).toBe('latitude')
    })

    it('two imports at once each report their own repeats and apply their own rows', async () => {
      const file = (source: string, count: number) => {
        const [header, ...rows] = lines(count, source)
        return [header, ...rows, rows[1]!].join('\n') + '\n'
      }
      const [a, b] = await Promise.all([importText(store, file('east', 4000)), importText(store, file('west', 2500))])
      expect([a, b].map((s) => ({inserted: s.inserted, rejected: s.rejected, message: s.rejects[0]?.errors[0]?.message}))).toEqual([
        {inserted: 4000, rejected: 1, message: 'duplicates row 3 (same source "east" and external_id)'},
        {inserted: 2500, rejected: 1, message: 'duplicates row 3 (same source "west" and external_id)'},
      ])
      const cameras = await store.cameras.listCameras({kind: 'all'}, {limit: 100_000})
      expect(['east', 'west'].map((source) => cameras.filter((c) => c.source === source).length)).toEqual([4000, 2500])
    })
  })
