/**
 * Bulk import: a byte stream in, one validated row at a time out. Memory stays bounded whatever the
 * file size: each format reader holds one record, column plans are cached per header set, and the
 * only thing that grows is the set of `source`+`external_id` keys seen (to reject duplicates within
 * the file), which is small per row and can be turned off when the store detects them instead.
 */
import {extname} from 'node:path'

import type {CameraInput} from '../domain/camera.js'
import {RtccError, usageError} from '../errors.js'
import {planColumns, type ColumnMap, type ColumnPlan, type DefaultValue} from './column-map.js'
import {COLUMN_FIELDS, FIELD_COLUMNS, type ColumnName} from './columns.js'
import {readCsvBatches, type CsvDelimiter} from './import-csv.js'
import {readJsonLines, readJsonRecords} from './import-json.js'
import {readKmlRecords} from './import-kml.js'
import type {RawRecord} from './raw-record.js'
import {decodeText, encodingErrors, type ByteSource, type TextEncoding} from './text-input.js'
import {validateRecord, type FieldError, type RowResult} from './validate.js'

export const IMPORT_FORMATS = ['csv', 'geojson', 'json', 'jsonl', 'kml'] as const
export type ImportFormat = (typeof IMPORT_FORMATS)[number]

export interface ImportOptions {
  format: ImportFormat
  /** Used in messages (`cams.csv:7:latitude`). */
  fileName?: string
  map?: ColumnMap
  /** Fills blank or missing cells, by our column name; wins over the map's defaults. `--source` is `{source: …}`. */
  defaults?: Partial<Record<ColumnName, DefaultValue>>
  /** CSV only; sniffed from the header line when absent. */
  delimiter?: CsvDelimiter
  encoding?: TextEncoding
  allowNullIsland?: boolean
  /** Reject a second row with the same source + external_id (default true). Costs memory per distinct key. */
  rejectDuplicates?: boolean
  /** Called once per header set: what each field is read from and which columns are ignored. */
  onColumns?: (columns: ColumnReport) => void
}

export interface ColumnReport {
  /** The file's headers in order (CSV), or the first record's keys; what a reject report repeats. */
  headers: string[]
  /** Our column → the file's header it is read from. */
  mapped: Partial<Record<ColumnName, string>>
  ignored: string[]
  /** CSV only. */
  delimiter?: CsvDelimiter
}

export interface ImportRow {
  /** Spreadsheet row for CSV (header = 1), line for JSON Lines, 1-based position for GeoJSON, JSON and KML. */
  row: number
  /** The record's original cells, by the file's own names. */
  raw: Record<string, unknown>
  result: RowResult
}

export type {CameraInput, FieldError, RowResult}

/** Picks a format from a file name, else from the first bytes (`<` KML, `[` JSON, `{` GeoJSON or JSON Lines). */
export function detectFormat(fileName: string | undefined, head?: string): ImportFormat {
  const byExtension: Record<string, ImportFormat> = {
    '.csv': 'csv', '.tsv': 'csv', '.txt': 'csv',
    '.geojson': 'geojson', '.json': 'json', '.jsonl': 'jsonl', '.ndjson': 'jsonl', '.geojsonl': 'jsonl', '.geojsons': 'jsonl',
    '.kml': 'kml',
  }
  const known = fileName ? byExtension[extname(fileName).toLowerCase()] : undefined
  if (known && known !== 'json') return known
  const start = (head ?? '').replace(/^\uFEFF/, '').trimStart()
  if (start.startsWith('<')) return 'kml'
  if (start.startsWith('[')) return 'json'
  if (start.startsWith('{')) {
    const firstLine = start.split('\n', 1)[0]!.trim()
    return firstLine.endsWith('}') && start.slice(firstLine.length).trim().startsWith('{') ? 'jsonl' : 'geojson'
  }
  if (known) return known
  if (head !== undefined) return 'csv'
  throw usageError(`cannot tell the format of ${fileName ?? 'the input'}`, 'Pass --format csv, geojson, json, jsonl or kml.')
}

const REQUIRED_COLUMNS: ColumnName[] = ['latitude', 'longitude', 'external_id', 'owner_email', 'source']

/** A CSV header without a column for a required field (and no default) would reject every row: say so once. */
function checkRequiredColumns(plan: ColumnPlan, headers: string[], defaults: Partial<Record<ColumnName, DefaultValue>>, fileName: string): void {
  const missing = REQUIRED_COLUMNS.filter((column) => plan.keys[COLUMN_FIELDS[column]] === undefined && defaults[column] === undefined)
  if (missing.length === 0) return
  const how: Partial<Record<ColumnName, string>> = {
    source: 'pass --source NAME',
    owner_email: 'add an owner_email column, or give a default owner ("defaults": {"owner_email": …} in the --map file)',
    external_id: 'add an external_id column, or map one ("columns": {"external_id": "YOUR ID COLUMN"})',
  }
  throw new RtccError(`${fileName} has no column for ${missing.join(', ')}`, {
    code: 'missing_columns',
    exitCode: 2,
    where: fileName,
    hint: `Columns found: ${headers.map((h) => JSON.stringify(h)).join(', ')}. ${missing.map((c) => how[c] ?? `map it with --map ("columns": {"${c}": "YOUR HEADER"})`).join('; ')}.`,
  })
}

function report(headers: string[], plan: ColumnPlan, delimiter?: CsvDelimiter): ColumnReport {
  const mapped: ColumnReport['mapped'] = {}
  for (const [field, key] of Object.entries(plan.keys)) mapped[FIELD_COLUMNS[field as keyof typeof FIELD_COLUMNS]] = key
  return {headers, mapped, ignored: plan.ignored, ...(delimiter ? {delimiter} : {})}
}

/** The format's records, in batches for CSV (one per chunk of text) and one at a time otherwise. */
function rawRecords(text: AsyncIterable<string>, options: ImportOptions, fileName: string, onHeaders: (headers: string[], delimiter: CsvDelimiter) => void): AsyncGenerator<RawRecord | RawRecord[]> {
  switch (options.format) {
    case 'csv':
      return readCsvBatches(text, {fileName, delimiter: options.delimiter, onHeaders})
    case 'geojson':
    case 'json':
      return readJsonRecords(text, fileName)
    case 'jsonl':
      return readJsonLines(text, fileName)
    case 'kml':
      return readKmlRecords(text, fileName)
  }
}

/**
 * Streams `input` (a Node Readable, or any iterable of byte/string chunks) as validated rows. Fatal
 * problems (unreadable file, a map naming a missing column, a CSV without a latitude column) throw a
 * RtccError; everything about a single row comes back as that row's errors.
 */
export async function* readCameras(input: ByteSource, options: ImportOptions): AsyncGenerator<ImportRow> {
  const fileName = options.fileName ?? 'input'
  const defaults = {...options.map?.defaults, ...options.defaults}
  const validation = {defaults, allowNullIsland: options.allowNullIsland ?? false}
  // source → external_id → first row; nested rather than a joined key, which would be a new string per row.
  const seen = options.rejectDuplicates === false ? undefined : new Map<string, Map<string, number>>()

  let csvPlan: ColumnPlan | undefined
  const onHeaders = (headers: string[], delimiter: CsvDelimiter) => {
    csvPlan = planColumns(headers, options.map, true, fileName)
    checkRequiredColumns(csvPlan, headers, defaults, fileName)
    options.onColumns?.(report(headers, csvPlan, delimiter))
  }
  // JSON records can differ in shape; plans are cached per key set, and the cache is bounded.
  const plans = new Map<string, ColumnPlan>()
  let reported = false
  const planFor = (values: Record<string, unknown>): ColumnPlan => {
    const keys = Object.keys(values)
    const id = keys.join('\u0000')
    let plan = plans.get(id)
    if (!plan) {
      if (plans.size >= 256) plans.clear()
      plan = planColumns(keys, options.map, false, fileName)
      plans.set(id, plan)
      if (!reported) options.onColumns?.(report(keys, plan))
      reported = true
    }
    return plan
  }

  const importRow = (record: RawRecord): ImportRow => {
    const errors = record.encodingChecked ? record.errors : [...(record.errors ?? []), ...encodingErrors(record.values)]
    if (errors && errors.length > 0) return {row: record.row, raw: record.values, result: {ok: false, errors}}
    const result = validateRecord(record.values, csvPlan ?? planFor(record.values), validation, record.point)
    if (result.ok && seen) {
      const {source, externalId} = result.camera
      let rows = seen.get(source)
      if (!rows) seen.set(source, (rows = new Map()))
      const first = rows.get(externalId)
      if (first !== undefined) return {row: record.row, raw: record.values, result: {ok: false, errors: [duplicateError(result.camera, first)]}}
      rows.set(externalId, record.row)
    }
    return {row: record.row, raw: record.values, result}
  }

  let records = 0
  for await (const item of rawRecords(decodeText(input, options.encoding), options, fileName, onHeaders)) {
    if (Array.isArray(item)) {
      records += item.length
      for (const record of item) yield importRow(record)
    } else {
      records++
      yield importRow(item)
    }
  }
  if (records === 0) throw emptyFile(fileName, options.format)
}

const ROWS_EXPECTED: Record<ImportFormat, string> = {
  csv: 'a header line and at least one row',
  geojson: 'a FeatureCollection with at least one Point feature',
  json: 'a JSON array with at least one object',
  jsonl: 'at least one JSON object, one per line',
  kml: 'at least one <Placemark>',
}

/** A file without a single row is a problem with the whole file (exit 2), never a successful "read 0". */
function emptyFile(fileName: string, format: ImportFormat): RtccError {
  return new RtccError(`${fileName} has no rows: expected ${ROWS_EXPECTED[format]}`, {
    code: 'empty_file',
    exitCode: 2,
    where: fileName,
    hint: `Check that this is the file you meant, read as ${format} (pass --format if that is wrong); there is nothing to import.`,
  })
}

/** A row repeating an earlier row's source + external_id. */
export function duplicateError(camera: Pick<CameraInput, 'source' | 'externalId'>, firstRow: number): FieldError {
  return {
    field: 'external_id',
    message: `duplicates row ${firstRow} (same source "${camera.source}" and external_id)`,
    expected: 'an external_id that is unique within its source',
    value: camera.externalId,
  }
}
