/**
 * `rtcc registry import`: the file streams from disk to the server as the request body (got pipes it
 * with backpressure, so memory stays flat whatever the size); options travel as JSON in a header.
 * The server parses, validates, stages and applies; the answer is an ImportSummary.
 */
import {createReadStream, createWriteStream} from 'node:fs'
import {open, stat} from 'node:fs/promises'
import {basename} from 'node:path'
import {Transform, type TransformCallback} from 'node:stream'
import {finished} from 'node:stream/promises'

import {IMPORT_OPTIONS_HEADER, type ImportRequestOptions, type ImportSummary} from '../domain/registry-import.js'
import {RtccError, ExitCode, usageError} from '../errors.js'
import {loadColumnMap} from '../registry/column-map.js'
import {detectFormat, IMPORT_FORMATS, type ImportFormat} from '../registry/import.js'
import {RejectReport} from '../registry/reject-report.js'
import {isEncodingError, parseEncoding} from '../registry/text-input.js'
import {type ApiClient, httpError} from './api.js'

export interface ImportFileOptions {
  file: string
  format?: string
  map?: string
  source?: string
  onConflict?: 'update' | 'skip' | 'fail'
  dryRun?: boolean
  atomic?: boolean
  encoding?: string
  delimiter?: string
  allowNullIsland?: boolean
}

export interface UploadProgress {
  bytes: number
  totalBytes: number
  /** Newlines sent so far: rows for CSV and JSON Lines (a quoted newline counts too), nothing useful for other formats. */
  lines: number
  format: ImportFormat
}

const DELIMITERS: Record<string, ',' | ';' | '\t'> = {',': ',', comma: ',', ';': ';', semicolon: ';', '\t': '\t', '\\t': '\t', tab: '\t'}

/** A whole import can run for many minutes on a large file; the server answers only once it is applied. */
const IMPORT_TIMEOUT_MS = 24 * 3_600_000

/** Passes bytes through, counting newlines (for rows/s on the progress bar). */
class LineCounter extends Transform {
  lines = 0
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) this.lines++
    callback(null, chunk)
  }
}

async function fileHead(file: string): Promise<string> {
  const handle = await open(file, 'r')
  try {
    const buffer = Buffer.alloc(4096)
    const {bytesRead} = await handle.read(buffer, 0, buffer.length, 0)
    return buffer.subarray(0, bytesRead).toString('latin1')
  } finally {
    await handle.close()
  }
}

/** Checks every option locally (file readable, map valid, format known) before a byte is sent. */
export interface PreparedImport {
  file: string
  size: number
  format: ImportFormat
  request: ImportRequestOptions
}

export async function prepareImport(options: ImportFileOptions): Promise<PreparedImport> {
  let size: number
  try {
    const info = await stat(options.file)
    if (!info.isFile()) throw new Error('not a regular file')
    size = info.size
  } catch (error) {
    throw usageError(`cannot read ${options.file}: ${(error as Error).message}`, 'Give the path of a CSV, GeoJSON, JSON, JSON Lines or KML file.')
  }
  if (options.format !== undefined && !(IMPORT_FORMATS as readonly string[]).includes(options.format))
    throw usageError(`--format: "${options.format}" is not an import format`, `Use one of ${IMPORT_FORMATS.join(', ')}.`)
  const format = (options.format as ImportFormat | undefined) ?? detectFormat(options.file, await fileHead(options.file))
  const delimiter = options.delimiter === undefined ? undefined : DELIMITERS[options.delimiter.toLowerCase()]
  if (options.delimiter !== undefined && !delimiter) throw usageError(`--delimiter: "${options.delimiter}" is not supported`, 'Use , ; or tab.')
  return {
    file: options.file,
    size,
    format,
    request: {
      format,
      fileName: basename(options.file),
      map: options.map === undefined ? undefined : await loadColumnMap(options.map),
      source: options.source,
      onConflict: options.onConflict ?? 'update',
      dryRun: options.dryRun ?? false,
      atomic: options.atomic ?? false,
      encoding: options.encoding === undefined ? 'utf8' : parseEncoding(options.encoding),
      delimiter,
      allowNullIsland: options.allowNullIsland ?? false,
    },
  }
}

export async function uploadImport(api: ApiClient, prepared: PreparedImport, onProgress?: (progress: UploadProgress) => void): Promise<ImportSummary> {
  const {request, size, format} = prepared
  const counter = new LineCounter()
  const source = createReadStream(prepared.file, {highWaterMark: 256 * 1024})
  source.on('error', (error) => counter.destroy(error))
  source.pipe(counter)
  const upload = api.http.post('v1/registry/import', {
    body: counter,
    headers: {'content-type': 'application/octet-stream', 'content-length': String(size), [IMPORT_OPTIONS_HEADER]: JSON.stringify(request)},
    responseType: 'text',
    timeout: {request: IMPORT_TIMEOUT_MS},
  })
  if (onProgress) upload.on('uploadProgress', (p) => onProgress({bytes: p.transferred, totalBytes: size, lines: counter.lines, format}))
  let response
  try {
    response = await upload
  } catch (error) {
    throw await api.networkError(error)
  } finally {
    source.destroy()
  }
  const body = response.body ? (JSON.parse(response.body) as ImportSummary & FileProblem) : undefined
  if (response.statusCode >= 400) throw fileProblem(body, prepared) ?? httpError(response.statusCode, body, 'POST /v1/registry/import')
  return body as ImportSummary
}

interface FileProblem {
  error?: {code?: string; message?: string; details?: unknown}
}

const FILE_PROBLEMS = new Set(['missing_columns', 'invalid_map', 'invalid_file', 'empty_file'])

/** Problems with the file as a whole (no rows, no column for a required field, broken CSV): exit 2, with the server's hint. */
function fileProblem(body: FileProblem | undefined, prepared: PreparedImport): RtccError | undefined {
  const {code, message, details} = body?.error ?? {}
  if (!code || !message || !FILE_PROBLEMS.has(code)) return undefined
  return new RtccError(message, {code, exitCode: ExitCode.usage, where: prepared.file, hint: typeof details === 'string' ? details : undefined})
}

/**
 * The exit status an import deserves: 1 when nothing was applied because of --atomic or
 * --on-conflict fail, 3 (partial) when rows were rejected, else none. The summary rides along so
 * --json still prints it.
 */
export function importFailure(summary: ImportSummary): RtccError | undefined {
  const result = {...summary}
  if (!summary.applied && !summary.dryRun) {
    const why = summary.atomic && summary.rejected > 0
      ? `${summary.rejected} row(s) rejected and --atomic was given`
      : `${summary.conflicts} camera(s) already exist with different values and --on-conflict fail was given`
    return new RtccError(`nothing imported: ${why}`, {code: 'not_applied', exitCode: ExitCode.failure, where: summary.fileName, result, hint: encodingHint(summary) ?? 'Fix the rows listed (see --reject-report FILE), or drop the flag.'})
  }
  if (summary.rejected > 0)
    return new RtccError(`${summary.rejected} of ${summary.read} row(s) rejected${summary.dryRun ? ' (dry run: nothing written)' : '; the rest were imported'}`, {
      code: 'partial',
      exitCode: ExitCode.partial,
      where: summary.fileName,
      result,
      hint: encodingHint(summary) ?? 'Write them out with --reject-report FILE, fix them there and import that file again.',
    })
  return undefined
}

/** Rows rejected as not UTF-8 mean the file is almost surely Latin-1 / Windows-1252: the fix is a flag, not row edits. */
function encodingHint(summary: ImportSummary): string | undefined {
  const notUtf8 = summary.rejects.filter((r) => r.errors.some(isEncodingError)).length
  if (notUtf8 === 0) return undefined
  return `${notUtf8} rejected row(s) are not valid UTF-8: the file looks like Latin-1 or Windows-1252 (as Excel saves CSV on Windows). Import it again with --encoding latin1.`
}

/**
 * Writes the rejected rows as a CSV: row, fields, errors, then the original cells (a CSV import's own
 * headers, so the fixed report imports as it is; other formats keep the record as JSON).
 */
export async function writeRejectReport(path: string, summary: ImportSummary, format: ImportFormat): Promise<void> {
  const report = new RejectReport(format === 'csv' ? summary.headers : undefined)
  const out = createWriteStream(path)
  out.write(report.header())
  for (const rejected of summary.rejects) {
    if (!out.write(report.row(rejected))) await new Promise<void>((resolve) => out.once('drain', () => resolve()))
  }
  out.end()
  await finished(out)
}
