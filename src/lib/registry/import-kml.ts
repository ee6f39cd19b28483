/**
 * KML Placemarks, streamed: the text is cut at each `</Placemark>` and only that element is parsed
 * with fast-xml-parser, so memory holds one placemark, not the document. A Placemark gives `name`,
 * `address`, `description`, its `id` attribute, every `ExtendedData` `Data`/`SimpleData` value by
 * name, and its Point's `lon,lat[,alt]`.
 */
import {XMLParser} from 'fast-xml-parser'

import {RtccError} from '../errors.js'
import type {RawRecord} from './raw-record.js'

const MAX_PLACEMARK_CHARS = 1_000_000
const OPEN = /<(?:[\w.-]+:)?Placemark[\s>/]/
const CLOSE = /<\/(?:[\w.-]+:)?Placemark\s*>/

const xml = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  removeNSPrefix: true,
  parseTagValue: false,
  trimValues: true,
  htmlEntities: true,
  isArray: (name) => name === 'Data' || name === 'SimpleData' || name === 'SchemaData',
})

type Node = Record<string, unknown>

function textOf(node: unknown): string | undefined {
  if (typeof node === 'string') return node
  if (typeof node === 'object' && node !== null && '#text' in node) return String((node as Node)['#text'])
  return undefined
}

function placemarkRecord(element: string, row: number): RawRecord {
  const placemark = ((xml.parse(element) as Node).Placemark ?? {}) as Node
  const values: Record<string, unknown> = {}
  for (const key of ['name', 'address', 'description']) {
    const value = textOf(placemark[key])
    if (value !== undefined) values[key] = value
  }
  const extended = (placemark.ExtendedData ?? {}) as Node
  for (const data of (extended.Data ?? []) as Node[]) values[String(data['@name'])] = textOf(data.value) ?? ''
  for (const schemaData of (extended.SchemaData ?? []) as Node[]) {
    for (const data of (schemaData.SimpleData ?? []) as Node[]) values[String(data['@name'])] = textOf(data) ?? ''
  }
  if (placemark['@id'] !== undefined && values.id === undefined) values.id = placemark['@id']

  const coordinates = textOf((placemark.Point as Node | undefined)?.coordinates)
  if (coordinates === undefined) {
    return {row, values, errors: [{field: 'row', message: 'has no Point', expected: 'a Placemark with <Point><coordinates>lon,lat</coordinates></Point>'}]}
  }
  values.coordinates = coordinates
  const [longitude, latitude] = coordinates.trim().split(/\s*,\s*/).map(Number)
  if (!Number.isFinite(longitude) || !Number.isFinite(latitude)) {
    return {row, values, errors: [{field: 'row', message: 'has unreadable coordinates', expected: 'lon,lat[,alt] in decimal degrees', value: coordinates}]}
  }
  return {row, values, point: {latitude: latitude!, longitude: longitude!}}
}

export async function* readKmlRecords(text: AsyncIterable<string>, fileName: string): AsyncGenerator<RawRecord> {
  let buffer = ''
  let row = 0
  for await (const chunk of text) {
    buffer += chunk
    for (;;) {
      const open = OPEN.exec(buffer)
      if (!open) {
        // Keep a tail in case "<Placemark" is split across chunks.
        buffer = buffer.slice(-32)
        break
      }
      if (open.index > 0) buffer = buffer.slice(open.index)
      const close = CLOSE.exec(buffer)
      if (!close) break
      const end = close.index + close[0].length
      row++
      try {
        yield placemarkRecord(buffer.slice(0, end), row)
      } catch (error) {
        yield {row, values: {}, errors: [{field: 'row', message: `is not valid XML (${(error as Error).message})`, expected: 'a well-formed <Placemark> element'}]}
      }
      buffer = buffer.slice(end)
    }
    if (buffer.length > MAX_PLACEMARK_CHARS) {
      throw new RtccError(`${fileName}: placemark ${row + 1} is longer than ${MAX_PLACEMARK_CHARS} characters or never closed`, {
        code: 'invalid_file',
        where: fileName,
        hint: 'Check that every <Placemark> has a matching </Placemark>.',
      })
    }
  }
  if (OPEN.test(buffer)) {
    throw new RtccError(`${fileName}: placemark ${row + 1} is not closed before the end of the file`, {code: 'invalid_file', where: fileName})
  }
}
