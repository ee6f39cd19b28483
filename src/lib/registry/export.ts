/**
 * Streaming export: cameras in (any iterable, e.g. rows paged from the store), text chunks out, ready
 * for `Readable.from(...)`. Every format uses the import's canonical column names, so export → import
 * gives back the same cameras (and re-importing an export changes nothing).
 */
import {stringify} from 'csv-stringify/sync'

import type {CameraInput, CameraInputField} from '../domain/camera.js'
import {COLUMN_FIELDS, COLUMN_NAMES, type ColumnName} from './columns.js'
import {neutraliseCell} from './csv-cells.js'
import type {CsvDelimiter} from './import-csv.js'

export const EXPORT_FORMATS = ['csv', 'geojson', 'kml', 'jsonl'] as const
export type ExportFormat = (typeof EXPORT_FORMATS)[number]

/** A camera with its owner's contact, as the store joins them; `id` is written as `rtcc_id` (import ignores it). */
export type ExportCamera = CameraInput & {id?: string}

export interface ExportOptions {
  /** CSV only; default `,`. */
  delimiter?: CsvDelimiter
  /** KML document name. */
  title?: string
}

type CameraSource = AsyncIterable<ExportCamera> | Iterable<ExportCamera>

const ID_COLUMN = 'rtcc_id'
const CSV_BATCH = 500

/** Typed properties by column name: what GeoJSON and JSON Lines carry. */
function properties(camera: ExportCamera, omit: ReadonlySet<ColumnName> = new Set()): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const column of COLUMN_NAMES) if (!omit.has(column)) out[column] = camera[COLUMN_FIELDS[column]]
  if (camera.id !== undefined) out[ID_COLUMN] = camera.id
  return out
}

/** One cell as text: yes/no, tags joined with `,`, blank for null. */
function cellText(camera: ExportCamera, field: CameraInputField): string {
  const value = camera[field]
  if (value === null || value === undefined) return ''
  if (typeof value === 'boolean') return value ? 'yes' : 'no'
  if (Array.isArray(value)) return value.join(',')
  return String(value)
}

export async function* encodeCsv(cameras: CameraSource, options: ExportOptions = {}): AsyncGenerator<string> {
  const delimiter = options.delimiter ?? ','
  yield stringify([[...COLUMN_NAMES, ID_COLUMN]], {delimiter})
  let batch: string[][] = []
  for await (const camera of cameras) {
    const row = COLUMN_NAMES.map((column) => neutraliseCell(cellText(camera, COLUMN_FIELDS[column])))
    row.push(neutraliseCell(camera.id ?? ''))
    batch.push(row)
    if (batch.length >= CSV_BATCH) {
      yield stringify(batch, {delimiter})
      batch = []
    }
  }
  if (batch.length > 0) yield stringify(batch, {delimiter})
}

export async function* encodeJsonLines(cameras: CameraSource): AsyncGenerator<string> {
  for await (const camera of cameras) yield JSON.stringify(properties(camera)) + '\n'
}

const POSITION = new Set<ColumnName>(['latitude', 'longitude'])

export async function* encodeGeoJson(cameras: CameraSource): AsyncGenerator<string> {
  yield '{"type":"FeatureCollection","features":['
  let first = true
  for await (const camera of cameras) {
    const feature = {
      type: 'Feature',
      geometry: {type: 'Point', coordinates: [camera.longitude, camera.latitude]},
      properties: properties(camera, POSITION),
    }
    yield (first ? '\n' : ',\n') + JSON.stringify(feature)
    first = false
  }
  yield '\n]}\n'
}

const XML_ENTITIES: Record<string, string> = {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;'}

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => XML_ENTITIES[c]!)
}

/** KML's own elements carry name, address and description (the view); the rest goes in ExtendedData. */
const KML_OWN = new Set<ColumnName>(['name', 'address', 'view_description', 'latitude', 'longitude'])

export async function* encodeKml(cameras: CameraSource, options: ExportOptions = {}): AsyncGenerator<string> {
  yield '<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2">\n<Document>\n'
  yield `<name>${escapeXml(options.title ?? 'rtcc camera registry')}</name>\n`
  for await (const camera of cameras) {
    const parts = [`<Placemark>\n<name>${escapeXml(camera.name)}</name>\n`]
    if (camera.address !== null) parts.push(`<address>${escapeXml(camera.address)}</address>\n`)
    if (camera.viewDescription !== null) parts.push(`<description>${escapeXml(camera.viewDescription)}</description>\n`)
    parts.push('<ExtendedData>\n')
    for (const column of COLUMN_NAMES) {
      if (KML_OWN.has(column)) continue
      const text = cellText(camera, COLUMN_FIELDS[column])
      if (text !== '') parts.push(`<Data name="${column}"><value>${escapeXml(text)}</value></Data>\n`)
    }
    if (camera.id !== undefined) parts.push(`<Data name="${ID_COLUMN}"><value>${escapeXml(camera.id)}</value></Data>\n`)
    parts.push(`</ExtendedData>\n<Point><coordinates>${camera.longitude},${camera.latitude}</coordinates></Point>\n</Placemark>\n`)
    yield parts.join('')
  }
  yield '</Document>\n</kml>\n'
}

export function encodeCameras(format: ExportFormat, cameras: CameraSource, options: ExportOptions = {}): AsyncGenerator<string> {
  switch (format) {
    case 'csv':
      return encodeCsv(cameras, options)
    case 'geojson':
      return encodeGeoJson(cameras)
    case 'kml':
      return encodeKml(cameras, options)
    case 'jsonl':
      return encodeJsonLines(cameras)
  }
}
