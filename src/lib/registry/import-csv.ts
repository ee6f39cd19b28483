/**
 * CSV records via the tokenizer in ./csv-tokenizer.ts, streamed: quoted fields with newlines, CRLF, `,` `;` or tab (sniffed from
 * the header line unless given), stray quotes inside unquoted cells kept as text. Rows are numbered
 * as a spreadsheet shows them: the header is row 1, blank lines count but yield nothing.
 */
import {RtccError} from '../errors.js'
import {restoreCell} from './csv-cells.js'
import {CsvSyntaxError, CsvTokenizer} from './csv-tokenizer.js'
import type {RawRecord} from './raw-record.js'
import {encodingErrors} from './text-input.js'
import type {FieldError} from './validate.js'

export type CsvDelimiter = ',' | ';' | '\t'
export const CSV_DELIMITERS: readonly CsvDelimiter[] = [',', ';', '\t']

/** A record larger than this is a broken file (an unclosed quote swallowing the rest), not a camera. */
const MAX_RECORD_CHARS = 1_000_000

/** Counts each candidate delimiter outside quotes on the first line; the most frequent wins, `,` on a tie. */
export function sniffDelimiter(headerLine: string): CsvDelimiter {
  const counts = new Map<CsvDelimiter, number>(CSV_DELIMITERS.map((d) => [d, 0]))
  let quoted = false
  for (const char of headerLine) {
    if (char === '"') quoted = !quoted
    else if (!quoted && counts.has(char as CsvDelimiter)) counts.set(char as CsvDelimiter, counts.get(char as CsvDelimiter)! + 1)
  }
  let best: CsvDelimiter = ','
  for (const [delimiter, count] of counts) if (count > counts.get(best)!) best = delimiter
  return best
}

function headerNames(cells: string[]): string[] {
  const seen = new Set<string>()
  return cells.map((cell, i) => {
    let name = cell.trim() || `column ${i + 1}`
    for (let n = 2; seen.has(name); n++) name = `${cell.trim() || `column ${i + 1}`} (${n})`
    seen.add(name)
    return name
  })
}

export interface CsvReadOptions {
  delimiter?: CsvDelimiter
  fileName: string
  onHeaders: (headers: string[], delimiter: CsvDelimiter) => void
}

/** Text chunks, then `undefined` for the end, with the first chunk extended to a whole first line. */
async function* withWholeFirstLine(text: AsyncIterable<string>): AsyncGenerator<string | undefined> {
  let head: string | undefined = ''
  for await (const chunk of text) {
    if (head === undefined) {
      yield chunk
      continue
    }
    head += chunk
    if (/[\r\n]/.test(head) || head.length > MAX_RECORD_CHARS) {
      yield head
      head = undefined
    }
  }
  if (head) yield head
  yield undefined
}

/** The file's header set, and an object holding every header, whose copies take one fixed shape. */
interface Header {
  names: string[]
  shape: Record<string, string>
}

function header(names: string[]): Header {
  const shape: Record<string, string> = {}
  for (const name of names) shape[name] = ''
  return {names, shape}
}

function toRecord(cells: string[], {names, shape}: Header, delimiter: CsvDelimiter, row: number, badBytes: boolean): RawRecord | undefined {
  if (cells.length === 1 && cells[0]!.trim() === '') return undefined
  // A whole row fills a copy of `shape` (no hidden-class transitions per cell); a short one keeps its missing cells absent.
  const values: Record<string, string> = cells.length >= names.length ? {...shape} : {}
  for (let i = 0; i < cells.length && i < names.length; i++) {
    values[names[i]!] = restoreCell(cells[i]!)
  }
  const errors: FieldError[] = []
  if (cells.length > names.length) {
    errors.push({
      field: 'row',
      message: `has ${cells.length} cells but the header has ${names.length}`,
      expected: `${names.length} cells; a value probably contains an unquoted ${JSON.stringify(delimiter)}: quote it`,
      value: cells.slice(names.length).join(delimiter),
    })
  }
  if (badBytes) errors.push(...encodingErrors(values))
  return errors.length > 0 ? {row, values, errors, encodingChecked: true} : {row, values, encodingChecked: true}
}

/**
 * Records in batches, one per chunk of text: each chunk is tokenized whole before the next is read
 * (memory: one chunk's records), and one `await` per chunk instead of per row. Rows read before a
 * fatal error (an unclosed quote) are still yielded before the error is raised.
 */
export async function* readCsvBatches(text: AsyncIterable<string>, options: CsvReadOptions): AsyncGenerator<RawRecord[]> {
  const parsed: string[][] = []
  let badBytes = false
  let tokenizer: CsvTokenizer | undefined
  let delimiter: CsvDelimiter = options.delimiter ?? ','
  let headers: Header | undefined
  let row = 0

  for await (const chunk of withWholeFirstLine(text)) {
    if (!tokenizer) {
      delimiter = options.delimiter ?? sniffDelimiter((chunk ?? '').split(/[\r\n]/, 1)[0]!)
      tokenizer = new CsvTokenizer(delimiter, MAX_RECORD_CHARS)
    }
    // U+FFFD is what the decoder makes of bytes that are not UTF-8; cells are checked for it once it appears.
    badBytes ||= chunk?.includes('\uFFFD') ?? false
    let failure: unknown
    try {
      if (chunk === undefined) tokenizer.end(parsed)
      else tokenizer.push(chunk, parsed)
    } catch (error) {
      failure = error
    }
    const batch: RawRecord[] = []
    for (const cells of parsed) {
      row++
      if (headers) {
        const record = toRecord(cells, headers, delimiter, row, badBytes)
        if (record) batch.push(record)
      } else {
        headers = header(headerNames(cells))
        options.onHeaders(headers.names, delimiter)
      }
    }
    parsed.length = 0
    if (batch.length > 0) yield batch
    if (failure instanceof CsvSyntaxError) {
      throw new RtccError(`${options.fileName}: not valid CSV near row ${row + 1}: ${failure.message}`, {
        code: 'invalid_file',
        where: `${options.fileName}:${row + 1}`,
        hint: 'Check for a quote that is opened but never closed; rows before this one were read.',
      })
    }
    if (failure) throw failure
  }
}
