import v8 from 'node:v8'
import vm from 'node:vm'

import {describe, expect, it} from 'vitest'

import {encodeGeoJson} from '../../src/lib/registry/export.js'
import {readCameras, type ImportOptions} from '../../src/lib/registry/import.js'
import {syntheticCameraCsv} from '../../src/lib/registry/synthetic.js'
import {camera} from './helpers.js'

v8.setFlagsFromString('--expose-gc')
const gc = vm.runInNewContext('gc') as () => void

function retainedHeap(): number {
  gc()
  return process.memoryUsage().heapUsed
}

/**
 * Streams `source` through readCameras and measures live heap (after a full GC) once warmed up and
 * again at the last row: if rows were kept, the growth would be ~1 KB per row.
 */
async function streamAndMeasure(source: AsyncIterable<string> | Iterable<string>, options: ImportOptions, total: number) {
  let accepted = 0
  let warm = 0
  let end = 0
  let row = 0
  for await (const result of readCameras(source, options)) {
    row++
    if (result.result.ok) accepted++
    if (row === 5000) warm = retainedHeap()
    if (row === total) end = retainedHeap()
  }
  return {accepted, growthMB: (end - warm) / 1e6}
}

describe('large files', () => {
  it('streams a 100,000-row CSV with flat memory', async () => {
    const rows = 100_000
    const {accepted, growthMB} = await streamAndMeasure(syntheticCameraCsv(rows), {format: 'csv', rejectDuplicates: false}, rows)
    expect(accepted).toBe(rows)
    // Keeping the rows would cost ~100 MB; streaming keeps well under 1% of that.
    expect(growthMB).toBeLessThan(4)
  })

  it('streams a 20,000-feature GeoJSON FeatureCollection with flat memory', async () => {
    const features = 20_000
    async function* cameras() {
      for (let i = 0; i < features; i++) yield camera({externalId: `g${i}`, latitude: 41 + i / 1e5})
    }
    const {accepted, growthMB} = await streamAndMeasure(encodeGeoJson(cameras()), {format: 'geojson', rejectDuplicates: false}, features)
    expect(accepted).toBe(features)
    expect(growthMB).toBeLessThan(4)
  })
})
