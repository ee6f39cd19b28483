/** The import progress bar: one redrawn line on stderr, only when stderr is a terminal. */
import type {UploadProgress} from '../client/registry-import.js'

const REDRAW_MS = 150

export class ImportProgressBar {
  private readonly started = performance.now()
  private last = 0
  private drawn = false

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  static enabled(stream: NodeJS.WriteStream = process.stderr): boolean {
    return Boolean(stream.isTTY) && process.env.TERM !== 'dumb'
  }

  update(p: UploadProgress): void {
    const now = performance.now()
    const done = p.bytes >= p.totalBytes
    if (!done && now - this.last < REDRAW_MS) return
    this.last = now
    const seconds = Math.max((now - this.started) / 1000, 0.001)
    const share = p.totalBytes ? p.bytes / p.totalBytes : 1
    const width = 24
    const bar = '█'.repeat(Math.round(share * width)).padEnd(width, '░')
    // Rows are newlines for CSV (less the header) and JSON Lines; other formats show bytes only.
    const rows = p.format === 'csv' ? Math.max(p.lines - 1, 0) : p.format === 'jsonl' ? p.lines : undefined
    const rate = rows === undefined ? `${(p.bytes / 1e6 / seconds).toFixed(1)} MB/s` : `${formatCount(rows / seconds)} rows/s`
    const tail = done ? 'uploaded; the server is validating and applying…' : `${(p.bytes / 1e6).toFixed(1)}/${(p.totalBytes / 1e6).toFixed(1)} MB`
    const line = `${bar} ${Math.floor(share * 100)}%  ${rows === undefined ? '' : `${formatCount(rows)} rows  `}${rate}  ${tail}`
    this.stream.write(`\r\u001B[2K${line.slice(0, (this.stream.columns || 100) - 1)}`)
    this.drawn = true
  }

  clear(): void {
    if (this.drawn) this.stream.write('\r\u001B[2K')
    this.drawn = false
  }
}

function formatCount(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e4 ? `${Math.round(n / 1e3)}k` : String(Math.round(n))
}
