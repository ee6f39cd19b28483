/**
 * The reject report (`--reject-report FILE`): a CSV with one line per rejected row, saying where
 * (`row`), which fields (`fields`) and why (`errors`), followed by the row's original values. For CSV
 * imports the original values keep their own headers, so the report can be fixed in a spreadsheet and
 * imported again as it is: import ignores the three leading columns. Other formats put the original
 * record in one `original` JSON column.
 */
import {stringify} from 'csv-stringify/sync'

import {neutraliseCell} from './csv-cells.js'
import {describeFieldError, type FieldError} from './validate.js'

export interface RejectedRow {
  row: number
  raw: Record<string, unknown>
  errors: FieldError[]
}

const LEAD_COLUMNS = ['row', 'fields', 'errors']

export class RejectReport {
  /** `headers`: the CSV file's own headers, in order; omit for GeoJSON, JSON, JSON Lines and KML. */
  constructor(private readonly headers?: readonly string[]) {}

  header(): string {
    return this.line(this.headers ? [...LEAD_COLUMNS, ...this.headers] : [...LEAD_COLUMNS, 'original'])
  }

  row(rejected: RejectedRow): string {
    const fields = [...new Set(rejected.errors.map((e) => e.column ?? e.field))].join('; ')
    const errors = rejected.errors.map(describeFieldError).join(' | ')
    const original = this.headers
      ? this.headers.map((h) => cellText(rejected.raw[h]))
      : [JSON.stringify(rejected.raw)]
    return this.line([String(rejected.row), fields, errors, ...original])
  }

  private line(cells: string[]): string {
    return stringify([cells.map(neutraliseCell)])
  }
}

function cellText(value: unknown): string {
  if (value === undefined || value === null) return ''
  return typeof value === 'object' ? JSON.stringify(value) : String(value)
}
