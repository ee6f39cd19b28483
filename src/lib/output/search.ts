/** Human output of `rtcc search`: a table, CSV, a half-block preview of the top hits, the index progress bar. */
import {readFile} from 'node:fs/promises'

import type {FolderIndexResult, FolderProgress} from '../search/local.js'
import type {SearchHit} from '../search/query.js'
import {decodeThumbnail} from '../search/thumbnail.js'
import {colorMode, halfBlockLines, type Pixels} from '../../tui/render/half-block.js'
import {renderTable} from './table.js'
import {colorEnabled} from './terminal.js'

const seconds = (s: number) => `${Math.floor(s / 60)}:${(s % 60).toFixed(1).padStart(4, '0')}`

export function renderHits(hits: SearchHit[]): string {
  if (!hits.length) return 'no sightings match\n'
  return renderTable(hits, [
    {header: 'sighting', get: (h) => h.id},
    {header: 'class', get: (h) => h.label},
    {header: 'score', get: (h) => h.score.toFixed(2)},
    {header: 'colours', get: (h) => h.colours},
    {header: 'camera', get: (h) => h.camera ?? '-'},
    {header: 'at', get: (h) => `${seconds(h.startSeconds)}–${seconds(h.endSeconds)}`},
    {header: 'source', get: (h) => h.source},
  ])
}

export async function hitsCsv(hits: SearchHit[]): Promise<string> {
  const {stringify} = await import('csv-stringify/sync')
  return stringify(
    hits.map((h) => ({id: h.id, class: h.label, score: h.score, colours: h.colours.join(' '), camera: h.camera ?? '', source: h.source, start_seconds: h.startSeconds, end_seconds: h.endSeconds, best_seconds: h.bestSeconds, thumbnail: h.thumbnail})),
    {header: true},
  )
}

/** Nearest-neighbour scale into a box `cols` wide (terminal cells are about twice as tall as wide). */
function fit(image: Pixels, cols: number): Pixels {
  const width = Math.min(cols, image.width)
  const height = Math.max(2, Math.round((image.height * width) / image.width))
  const data = new Uint8Array(width * height * 3)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const from = (Math.floor((y * image.height) / height) * image.width + Math.floor((x * image.width) / width)) * 3
      data.set(image.data.subarray(from, from + 3), (y * width + x) * 3)
    }
  }
  return {width, height, data}
}

/** The top hits' thumbnails side by side, drawn with the dashboard's half-block renderer. */
export async function previewHits(hits: SearchHit[], count = 4, cols = 16): Promise<string> {
  const mode = colorMode(process.env, colorEnabled())
  const tiles = await Promise.all(hits.slice(0, count).map(async (h) => ({hit: h, lines: halfBlockLines(fit(decodeThumbnail(await readFile(h.thumbnail)), cols), mode)})))
  if (!tiles.length) return ''
  const rows = Math.max(...tiles.map((t) => t.lines.length))
  const out: string[] = []
  for (let r = 0; r < rows; r++) out.push(tiles.map((t) => t.lines[r] ?? ' '.repeat(cols)).join('  '))
  out.push(tiles.map((t) => `${t.hit.label} ${t.hit.score.toFixed(2)}`.slice(0, cols).padEnd(cols)).join('  '))
  return out.join('\n') + '\n'
}

const REDRAW_MS = 200

/** One redrawn line on stderr with share done and ETA; only on a terminal. */
export function indexProgressBar(stream: NodeJS.WriteStream = process.stderr): {update: (p: FolderProgress) => void; done: () => void} | undefined {
  if (!stream.isTTY || process.env.TERM === 'dumb') return undefined
  const started = performance.now()
  let last = 0
  return {
    update(p) {
      const now = performance.now()
      if (now - last < REDRAW_MS) return
      last = now
      const share = p.totalSeconds ? Math.min(1, p.doneSeconds / p.totalSeconds) : 0
      const elapsed = (now - started) / 1000
      const eta = share > 0.01 ? `ETA ${Math.round((elapsed / share) * (1 - share))}s` : 'ETA …'
      const bar = '█'.repeat(Math.round(share * 24)).padEnd(24, '░')
      stream.write(`\r${bar} ${Math.floor(share * 100)}%  ${eta}  ${p.file}`.slice(0, (stream.columns || 100) - 1).padEnd(Math.min(stream.columns || 100, 100) - 1))
    },
    done: () => stream.write('\n'),
  }
}

export function renderIndexResult(r: FolderIndexResult): string {
  const lines = [`indexed ${r.indexed.length} video(s) in ${r.dir}: ${r.sightings} sightings (${r.elapsedSeconds} s); ${r.unchanged.length} unchanged, ${r.skipped.length} skipped`]
  for (const s of r.skipped) lines.push(`  skipped ${s.file}: ${s.reason}`)
  return lines.join('\n') + '\n'
}
