/**
 * CSV text → records (arrays of cells), fed whole chunks of text.
 *
 * Why hand-rolled: csv-parse walks every byte through a general state machine and tops out near
 * 80 k rows/s on a registry file, which alone costs more than the whole import may; papaparse's
 * streaming mode accepts an unclosed quote silently, which would import a broken file. This tokenizer
 * jumps between delimiters, quotes and line ends with `indexOf` and slices cells out of the chunk,
 * and reproduces exactly the csv-parse behaviour the import relied on (the options it used:
 * `relax_quotes`, `relax_column_count`, `max_record_size`; test/registry/csv-tokenizer.test.ts
 * compares the two on generated inputs):
 *
 * - The record delimiter is the first line end outside quotes (`\r\n`, `\n` or a lone `\r`); after
 *   that, other line-end characters are ordinary text in a cell.
 * - A cell starting with `"` is quoted: delimiters and line ends inside are text, `""` is one quote.
 *   A closing quote followed by something other than a delimiter, line end or the end of the text
 *   keeps the cell as written (both quotes included) and carries on unquoted. A quote inside an
 *   unquoted cell is text.
 * - An empty line is a record of one empty cell; a line end at the very end of the text adds nothing.
 * - A record longer than `maxRecordChars` (counted on its raw text, delimiters and quotes included)
 *   and a quote still open at the end are errors, raised after the records before them.
 */

export class CsvSyntaxError extends Error {}

const QUOTE = 34 // "
const CR = 13
const LF = 10

/** Feed with `push(chunk)` then `end()`; each returns the records completed by that text. */
export class CsvTokenizer {
  private carry = ''
  /** `\n`, `\r\n` or `\r` once the first line end outside quotes has been seen. */
  private lineEnd: string | undefined
  private readonly delimiterCode: number

  constructor(
    private readonly delimiter: string,
    private readonly maxRecordChars: number,
  ) {
    this.delimiterCode = delimiter.charCodeAt(0)
  }

  /**
   * Records completed by `chunk`, appended to `out`. Throws CsvSyntaxError for a record over the
   * limit; `out` then holds the records before it.
   */
  push(chunk: string, out: string[][]): void {
    this.scan(this.carry + chunk, false, out)
  }

  /** The last record, if the text does not end with a line end; throws CsvSyntaxError for an open quote. */
  end(out: string[][]): void {
    this.scan(this.carry, true, out)
    this.carry = ''
  }

  private scan(text: string, final: boolean, out: string[][]): void {
    if (this.lineEnd === undefined) {
      this.lineEnd = firstLineEnd(text, this.delimiterCode, final)
      if (this.lineEnd === undefined) {
        this.carry = text
        this.checkSize(text.length)
        return
      }
    }
    let start = 0
    while (start < text.length) {
      const cells = this.record(text, start, final)
      if (cells === undefined) break
      this.checkSize(this.next - start)
      out.push(cells)
      start = this.next
    }
    this.carry = start === 0 ? text : text.slice(start)
    if (final && this.carry !== '') throw new CsvSyntaxError('a quoted cell is never closed (its closing quote is missing)')
    this.checkSize(this.carry.length)
  }

  private checkSize(chars: number): void {
    if (chars > this.maxRecordChars) {
      throw new CsvSyntaxError(`a record is longer than ${this.maxRecordChars} characters, probably a quote that is never closed`)
    }
  }

  /** Where the record last read by `record` ends (its line end included). */
  private next = 0

  /**
   * The cells of the record starting at `start` (setting `next`), or undefined when the text ends
   * first: more text may complete it (at the end, only an open quote leaves it incomplete).
   */
  private record(text: string, start: number, final: boolean): string[] | undefined {
    const {delimiter, delimiterCode} = this
    const lineEnd = this.lineEnd!
    const length = text.length
    let lineAt = text.indexOf(lineEnd, start)
    let delimiterAt = text.indexOf(delimiter, start)
    const cells: string[] = []
    let pos = start
    for (;;) {
      if (text.charCodeAt(pos) === QUOTE) {
        let cell = this.quoted(text, pos, final)
        if (cell === undefined) return undefined
        pos = this.quoteEnd
        if (lineAt !== -1 && lineAt < pos) lineAt = text.indexOf(lineEnd, pos)
        if (delimiterAt !== -1 && delimiterAt < pos) delimiterAt = text.indexOf(delimiter, pos)
        // After a relaxed closing quote the cell goes on as plain text up to the next delimiter or line end.
        const cellEnd = nearest(delimiterAt, lineAt, length)
        if (cellEnd > pos) {
          if (cellEnd === length && !final) return undefined
          cell += text.slice(pos, cellEnd)
          pos = cellEnd
        }
        cells.push(cell)
      } else {
        const cellEnd = nearest(delimiterAt, lineAt, length)
        // Without a line end in sight the record may go on in the next chunk (a `\r` of a `\r\n` too).
        if (cellEnd === length && !final) return undefined
        cells.push(text.slice(pos, cellEnd))
        pos = cellEnd
      }
      if (pos >= length) {
        if (!final) return undefined
        this.next = length
        return cells
      }
      if (text.charCodeAt(pos) === delimiterCode) {
        pos++
        delimiterAt = text.indexOf(delimiter, pos)
        if (pos === length) {
          if (!final) return undefined
          cells.push('')
          this.next = length
          return cells
        }
        continue
      }
      this.next = pos + lineEnd.length
      return cells
    }
  }

  /** Where scanning resumes after the cell last read by `quoted`. */
  private quoteEnd = 0

  /**
   * The quoted cell opening at `open` (setting `quoteEnd`), or undefined when more text is needed to
   * tell where it ends. A relaxed closing quote keeps both quotes in the cell.
   */
  private quoted(text: string, open: number, final: boolean): string | undefined {
    let cell = ''
    let from = open + 1
    for (;;) {
      const close = text.indexOf('"', from)
      if (close === -1) return undefined
      const after = close + 1
      this.quoteEnd = after
      if (after === text.length) return final ? cell + text.slice(from, close) : undefined
      const next = text.charCodeAt(after)
      if (next === QUOTE) {
        cell += text.slice(from, after)
        from = after + 1
        continue
      }
      if (next === this.delimiterCode) return cell + text.slice(from, close)
      const lineEnd = this.lineEnd!
      if (next === lineEnd.charCodeAt(0)) {
        if (lineEnd.length === 1) return cell + text.slice(from, close)
        if (after + 1 === text.length && !final) return undefined
        if (text.charCodeAt(after + 1) === LF) return cell + text.slice(from, close)
      }
      return `"${cell}${text.slice(from, close)}"`
    }
  }
}

/** The smaller of two `indexOf` results (-1 = not found), or `length` when neither was found. */
function nearest(a: number, b: number, length: number): number {
  if (a === -1) return b === -1 ? length : b
  return b === -1 || a < b ? a : b
}

/**
 * The first line end outside quotes, as csv-parse discovers it; undefined when the text seen so far
 * cannot tell yet (no line end, or a `\r` as its last character). A file with no line end at all gets `\n`.
 */
function firstLineEnd(text: string, delimiterCode: number, final: boolean): string | undefined {
  let quoted = false
  let cellStart = true
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (quoted) {
      if (c !== QUOTE) continue
      if (text.charCodeAt(i + 1) === QUOTE) i++
      else if (i + 1 === text.length && !final) return undefined
      else quoted = false
      continue
    }
    if (c === LF) return '\n'
    if (c === CR) {
      if (i + 1 === text.length && !final) return undefined
      return text.charCodeAt(i + 1) === LF ? '\r\n' : '\r'
    }
    if (c === QUOTE && cellStart) quoted = true
    cellStart = c === delimiterCode
  }
  return final ? '\n' : undefined
}
