import {parse} from 'csv-parse/sync'
import {describe, expect, it} from 'vitest'

import {random} from '../../src/lib/registry/synthetic.js'
import {CsvSyntaxError, CsvTokenizer} from '../../src/lib/registry/csv-tokenizer.js'

type Outcome = {records: string[][]; error?: string}

function tokenize(chunks: string[], delimiter = ',', max = 1_000_000): Outcome {
  const tokenizer = new CsvTokenizer(delimiter, max)
  const records: string[][] = []
  try {
    for (const chunk of chunks) tokenizer.push(chunk, records)
    tokenizer.end(records)
  } catch (error) {
    if (!(error instanceof CsvSyntaxError)) throw error
    return {records, error: 'invalid'}
  }
  return {records}
}

/** What the import used before the tokenizer: csv-parse with the same options, records up to an error. */
function csvParse(text: string, delimiter = ','): Outcome {
  const records: string[][] = []
  try {
    parse(text, {delimiter, relax_column_count: true, relax_quotes: true, max_record_size: 1_000_000, on_record: (r: string[]) => (records.push(r), r)})
  } catch {
    return {records, error: 'invalid'}
  }
  return {records}
}

const TRICKY = [
  'id,name,note\r\n',
  'a,"Gate ""A""","two\r\nlines, and a comma"\r\n',
  '\r\n',
  'b,x"y,"closed"trailing,"" \r\n',
  'c,"",\r\n',
  'd,"lone\rCR and\nLF","q"\r',
  '\r\ne,last,"end"',
].join('')

describe('CSV tokenizer', () => {
  it('reads quoted cells, doubled quotes, stray quotes, blank lines and a last line without a line end', () => {
    expect(tokenize([TRICKY]).records).toEqual([
      ['id', 'name', 'note'],
      ['a', 'Gate "A"', 'two\r\nlines, and a comma'],
      [''],
      ['b', 'x"y', '"closed"trailing', '"" '],
      ['c', '', ''],
      ['d', 'lone\rCR and\nLF', '"q"\r'],
      ['e', 'last', 'end'],
    ])
  })

  it('gives the same records wherever the text is split, into two or three chunks', () => {
    const whole = tokenize([TRICKY])
    for (let i = 0; i <= TRICKY.length; i++) {
      expect(tokenize([TRICKY.slice(0, i), TRICKY.slice(i)]), `split at ${i}`).toEqual(whole)
      const j = Math.min(TRICKY.length, i + 3)
      expect(tokenize([TRICKY.slice(0, i), TRICKY.slice(i, j), TRICKY.slice(j)]), `split at ${i} and ${j}`).toEqual(whole)
    }
    expect(tokenize([...TRICKY])).toEqual(whole)
  })

  it('takes the first line end outside quotes as the record delimiter', () => {
    expect(tokenize(['"a\nb",c\r\nd\ne\r\n']).records).toEqual([['a\nb', 'c'], ['d\ne']])
    expect(tokenize(['a\rb\r\nc\r']).records).toEqual([['a'], ['b'], ['\nc']])
    expect(tokenize(['a', '\r', '\n', 'b\rc']).records).toEqual([['a'], ['b\rc']])
  })

  it('fails on a quote that is never closed, after the records before it', () => {
    expect(tokenize(['h\nok\n"open,', 'rest\n'])).toEqual({records: [['h'], ['ok']], error: 'invalid'})
  })

  it('fails on a record over the limit, after the records before it, even when it is still arriving', () => {
    expect(tokenize(['h\nok\n"', 'x'.repeat(30), 'y'.repeat(30)], ',', 50)).toEqual({records: [['h'], ['ok']], error: 'invalid'})
    expect(tokenize([`h\nok\n${'x'.repeat(60)}\nlater\n`], ',', 50)).toEqual({records: [['h'], ['ok']], error: 'invalid'})
  })

  it('matches csv-parse on the tricky sample with each delimiter', () => {
    for (const d of [',', ';', '\t']) {
      const text = TRICKY.replaceAll(',', d)
      expect(tokenize([text], d), JSON.stringify(d)).toEqual(csvParse(text, d))
    }
  })

  it('matches csv-parse on generated tricky inputs, whole and in random chunks', () => {
    const next = random(16)
    const pieces = ['a', 'bc', ' ', '"', '""', ',', ';', '\t', '\n', '\r', '\r\n', 'é', '😀', "'=x", '"q,"', '"\n"']
    for (let n = 0; n < 3000; n++) {
      const delimiter = [',', ';', '\t'][n % 3]!
      let text = ''
      const size = 1 + Math.floor(next() * 30)
      for (let i = 0; i < size; i++) text += pieces[Math.floor(next() * pieces.length)]
      const expected = csvParse(text, delimiter)
      expect(tokenize([text], delimiter), JSON.stringify({text, delimiter})).toEqual(expected)
      const chunks: string[] = []
      for (let at = 0; at < text.length; ) {
        const step = 1 + Math.floor(next() * 5)
        chunks.push(text.slice(at, at + step))
        at += step
      }
      expect(tokenize(chunks, delimiter), JSON.stringify({chunks, delimiter})).toEqual(expected)
    }
  })
})
