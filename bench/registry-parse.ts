/**
 * Import parsing throughput: a generated 1,000,000-row CSV (20 columns, ~190 MB) streamed from disk
 * through readCameras (decode, tokenizer, column mapping, validation, duplicate check), against
 * csv-parse alone on the same file (what the import was built on before its own tokenizer, and a
 * well-known reference for "just reading the CSV"). Each figure comes with its CPU time per row,
 * steadier than wall time on a shared machine.
 */
import {createReadStream, createWriteStream} from 'node:fs'
import {mkdtemp, rm, stat} from 'node:fs/promises'
import {loadavg, tmpdir} from 'node:os'
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
    let cpu = process.cpuUsage()
    let tokenized = 0
    for await (const _record of createReadStream(file).pipe(parse({relax_column_count: true}))) tokenized++
    const csvParseSeconds = (performance.now() - start) / 1000
    const csvParseCpu = cpuSeconds(cpu)

    global.gc?.()
    const heapBefore = process.memoryUsage().heapUsed
    let peakHeap = heapBefore
    let peakRss = process.memoryUsage().rss
    let ok = 0
    let rejected = 0
    start = performance.now()
    cpu = process.cpuUsage()
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
    const importCpu = cpuSeconds(cpu)
    const perRow = (seconds: number) => Math.round((seconds / rows) * 1e8) / 100
    return {
      rows,
      megabytes: Math.round(bytes / 1e5) / 10,
      readCamerasRowsPerSecond: Math.round(ok / importSeconds),
      csvParseOnlyRowsPerSecond: Math.round((tokenized - 1) / csvParseSeconds),
      readCamerasMicrosPerRow: perRow(importSeconds),
      csvParseOnlyMicrosPerRow: perRow(csvParseSeconds),
      readCamerasCpuMicrosPerRow: perRow(importCpu),
      csvParseOnlyCpuMicrosPerRow: perRow(csvParseCpu),
      /** Above 1: readCameras (everything) is faster than csv-parse only tokenizing. */
      readCamerasOverCsvParse: Math.round((csvParseSeconds / importSeconds) * 100) / 100,
      loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
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

function cpuSeconds(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since)
  return (used.user + used.system) / 1e6
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(JSON.stringify(await run(Number(process.argv[2] ?? 1_000_000)), null, 2))
