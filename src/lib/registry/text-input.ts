/**
 * Bytes in, text out, one chunk at a time: the first step of every import format. A UTF-8 byte-order
 * mark is dropped, and settles the encoding: such a file is UTF-8 whatever was asked. `latin1` is read as Windows-1252, as browsers do for that label: the two differ only
 * in bytes 0x80–0x9F, which Latin-1 spends on invisible control codes and Windows-1252 (what Excel
 * writes) on characters like € and ’.
 */
import {TextDecoder} from 'node:util'

import {usageError} from '../errors.js'
import type {FieldError} from './validate.js'

export type TextEncoding = 'utf8' | 'latin1'

const DECODER_LABELS: Record<string, string> = {
  utf8: 'utf-8', 'utf-8': 'utf-8',
  latin1: 'windows-1252', 'latin-1': 'windows-1252', 'iso-8859-1': 'windows-1252', 'windows-1252': 'windows-1252', cp1252: 'windows-1252',
}

export function parseEncoding(name: string): TextEncoding {
  const label = DECODER_LABELS[name.trim().toLowerCase()]
  if (!label) throw usageError(`encoding "${name}" is not supported`, 'Use --encoding utf8 (the default) or --encoding latin1 (also read as Windows-1252).')
  return label === 'utf-8' ? 'utf8' : 'latin1'
}

export type ByteSource = AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>

const UTF8_BOM = [0xef, 0xbb, 0xbf]

export async function* decodeText(input: ByteSource, encoding: TextEncoding = 'utf8'): AsyncGenerator<string> {
  let decoder: TextDecoder | undefined
  let first = true
  for await (const chunk of input) {
    if (!decoder && typeof chunk !== 'string') {
      const bom = UTF8_BOM.every((byte, i) => chunk[i] === byte)
      decoder = new TextDecoder(encoding === 'utf8' || bom ? 'utf-8' : 'windows-1252')
    }
    let text = typeof chunk === 'string' ? chunk : decoder!.decode(chunk, {stream: true})
    if (first && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
      first = false
    }
    if (text.length > 0) yield text
  }
  const rest = decoder?.decode() ?? ''
  if (rest.length > 0) yield rest
}

const NOT_UTF8 = 'contains bytes that are not valid UTF-8'

/**
 * Cells holding U+FFFD, what the UTF-8 decoder puts in place of bytes that are not UTF-8: nearly
 * always a Latin-1 / Windows-1252 file (what Excel writes on Windows) read without --encoding latin1.
 */
export function encodingErrors(values: Record<string, unknown>): FieldError[] {
  const errors: FieldError[] = []
  for (const [column, value] of Object.entries(values)) {
    const text = typeof value === 'string' ? value : typeof value === 'object' && value !== null ? JSON.stringify(value) : ''
    if (text.includes('\uFFFD')) errors.push({field: 'row', column, message: NOT_UTF8, expected: 'UTF-8 text; for a Latin-1 or Windows-1252 file pass --encoding latin1', value: text})
  }
  return errors
}

export const isEncodingError = (error: FieldError): boolean => error.message === NOT_UTF8
