/**
 * Import parsing throughput: a generated 1,000,000-row CSV (20 columns, ~190 MB) streamed from disk
 * through readCameras (decode, csv-parse, column mapping, validation, duplicate check), against
 * csv-parse alone on the same file, which is the ceiling for any CSV import built on it.
 */
import {createReadStream, createWriteStream} from 'node:fs'
import {mkdtemp, rm, stat} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {pipeline} from 'node:stream/promises'
import {Readable} from 'node:stream'
import {fileURLToPath} from 'node:url'

import {parse} from 'csv-parse'

import {readCameras} from '../src/lib/registry/import.js'
import {syntheticCameraCsv} from '../src/lib/registry/synthetic.js'

export async function run(rows = 1_000_000): Promise<Record<string, unknown>> {
  const dir = await mkdtemp(join(tmpdir(), 'rtcc-bench-registry-'))
  try {
    const file = join(dir, 'cameras.csv')
    await pipeline(Readable.from(syntheticCameraCsv(rows)), createWriteStream(file))
    const bytes = (await stat(file)).size

    let start = performance.now()
    let tokenized = 0
    for await (const _record of createReadStream(file).pipe(parse({relax_column_count: true}))) tokenized++
    const csvParseSeconds = (performance.now() - start) / 1000

    global.gc?.()
    const heapBefore = process.memoryUsage().heapUsed
    let peakHeap = heapBefore
    let peakRss = process.memoryUsage().rss
    let ok = 0
    let rejected = 0
    start = performance.now()
    for await (const row of readCameras(createReadStream(file), {format: 'csv', fileName: 'cameras.csv'})) {
      if (row.result.ok) ok++
      else rejected++
      if ((ok & 0xffff) === 0) {
        const usage = process.memoryUsage()
        peakHeap = Math.max(peakHeap, usage.heapUsed)
        peakRss = Math.max(peakRss, usage.rss)
      }
    }
    const importSeconds = (performance.now() - start) / 1000
    return {
      rows,
      megabytes: Math.round(bytes / 1e5) / 10,
      readCamerasRowsPerSecond: Math.round(ok / importSeconds),
      csvParseOnlyRowsPerSecond: Math.round((tokenized - 1) / csvParseSeconds),
      accepted: ok,
      rejected,
      heapGrowthMB: Math.round((peakHeap - heapBefore) / 1e5) / 10,
      peakRssMB: Math.round(peakRss / 1e5) / 10,
      note: 'heap growth includes the duplicate-key map (one entry per distinct source+external_id)',
    }
  } finally {
    await rm(dir, {recursive: true, force: true})
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(JSON.stringify(await run(Number(process.argv[2] ?? 1_000_000)), null, 2))
