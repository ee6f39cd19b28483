/**
 * GeoJSON FeatureCollections, JSON arrays and JSON Lines, streamed. A whole document is never held:
 * @streamparser/json emits each `features[i]` (or array element) as soon as it closes and, with
 * `keepStack: false`, forgets it, so a 1 GB FeatureCollection needs memory for one feature at a time.
 * JSON Lines are split by hand (one `JSON.parse` per line), which keeps exact line numbers and lets a
 * bad line be rejected without losing the rest of the file.
 *
 * Elements may be GeoJSON Features (properties + Point geometry) or flat objects (`{"latitude": …}`),
 * in every one of these formats.
 */
import {JSONParser} from '@streamparser/json'

import {RtccError} from '../errors.js'
import type {RawRecord} from './raw-record.js'

const MAX_LINE_CHARS = 1_000_000

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A JSON value from a file → a raw record: Features give properties and a point, plain objects give themselves. */
export function recordFromJson(value: unknown, row: number): RawRecord {
  if (!isObject(value)) {
    return {row, values: {}, errors: [{field: 'row', message: `is ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}`, expected: 'an object or a GeoJSON Feature'}]}
  }
  if (value.type !== 'Feature') return {row, values: value}

  const values: Record<string, unknown> = isObject(value.properties) ? {...value.properties} : {}
  if (value.id !== undefined && values.id === undefined) values.id = value.id
  const geometry = value.geometry
  if (geometry === null || geometry === undefined) return {row, values}
  values.geometry = geometry
  const position = isObject(geometry) && geometry.type === 'Point' ? geometry.coordinates : undefined
  if (Array.isArray(position) && typeof position[0] === 'number' && typeof position[1] === 'number') {
    return {row, values, point: {longitude: position[0], latitude: position[1]}}
  }
  const kind = isObject(geometry) && typeof geometry.type === 'string' ? `a ${geometry.type}` : 'not a geometry'
  return {
    row,
    values,
    errors: [{field: 'row', message: `geometry is ${kind}`, expected: 'a Point geometry with [longitude, latitude] coordinates', value: JSON.stringify(geometry).slice(0, 200)}],
  }
}

function invalidJson(fileName: string, error: unknown, after: number): RtccError {
  return new RtccError(`${fileName} is not valid JSON after element ${after}: ${(error as Error).message}`, {
    code: 'invalid_file',
    where: fileName,
    hint: 'Elements before this point were read; fix the file and import it again (re-importing is idempotent).',
  })
}

/**
 * A GeoJSON FeatureCollection (`{"type": "FeatureCollection", "features": […]}`) or a top-level JSON
 * array, decided by the document's first character.
 */
export async function* readJsonRecords(text: AsyncIterable<string>, fileName: string): AsyncGenerator<RawRecord> {
  let parser: JSONParser | undefined
  let rootType: unknown
  let isArray = false
  let count = 0
  let queue: RawRecord[] = []

  const start = (firstChar: string): JSONParser => {
    isArray = firstChar === '['
    const created = new JSONParser({paths: isArray ? ['$.*'] : ['$.type', '$.features.*'], keepStack: false})
    created.onValue = ({value, stack}) => {
      if (!isArray && stack.length === 1) rootType = value
      else queue.push(recordFromJson(value, ++count))
    }
    return created
  }

  for await (const chunk of text) {
    if (!parser) {
      const first = chunk.trimStart()[0]
      if (first === undefined) continue
      if (first !== '[' && first !== '{') throw invalidJson(fileName, new Error(`starts with ${JSON.stringify(first)}`), 0)
      parser = start(first)
    }
    try {
      parser.write(chunk)
    } catch (error) {
      yield* queue
      throw invalidJson(fileName, error, count)
    }
    yield* queue
    queue = []
  }
  // An empty file yields nothing; the import reports it as a file without rows.
  if (!parser) return
  try {
    if (!parser.isEnded) parser.end()
  } catch (error) {
    throw invalidJson(fileName, error, count)
  }
  yield* queue
  if (!isArray && rootType !== 'FeatureCollection') {
    throw new RtccError(`${fileName} is not a GeoJSON FeatureCollection (its "type" is ${JSON.stringify(rootType ?? null)})`, {
      code: 'invalid_file',
      where: fileName,
      hint: 'Import a FeatureCollection of Point features, a JSON array of objects, or JSON Lines (--format jsonl).',
    })
  }
}

/** One JSON object or Feature per line; blank lines are skipped; a bad line is a rejected row. */
export async function* readJsonLines(text: AsyncIterable<string>, fileName: string): AsyncGenerator<RawRecord> {
  let pending = ''
  let line = 0
  const parseLine = (content: string): RawRecord | undefined => {
    line++
    if (content.trim() === '') return undefined
    try {
      return recordFromJson(JSON.parse(content), line)
    } catch (error) {
      return {row: line, values: {}, errors: [{field: 'row', message: `is not valid JSON (${(error as Error).message})`, expected: 'one JSON object per line', value: content.slice(0, 200)}]}
    }
  }
  for await (const chunk of text) {
    pending += chunk
    let start = 0
    for (let end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n', start)) {
      const record = parseLine(pending.slice(start, end))
      if (record) yield record
      start = end + 1
    }
    pending = pending.slice(start)
    if (pending.length > MAX_LINE_CHARS) {
      throw new RtccError(`${fileName}: line ${line + 1} is longer than ${MAX_LINE_CHARS} characters`, {
        code: 'invalid_file',
        where: `${fileName}:${line + 1}`,
        hint: 'JSON Lines needs one object per line; is this a JSON array or GeoJSON file? Try --format json or --format geojson.',
      })
    }
  }
  const last = parseLine(pending)
  if (last) yield last
}
