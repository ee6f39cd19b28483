/**
 * Spreadsheet formula injection: a CSV cell starting with `=`, `+`, `-`, `@`, tab or CR may run as a
 * formula when opened in Excel or LibreOffice. Exports prefix such text cells with `'`, which
 * spreadsheets show as plain text; imports take exactly one `'` off again, so export → import gives
 * back the same value. A value that already starts with `'` before a trigger gains one more on export,
 * keeping the mapping reversible. Plain numbers (`-87.6`) are left alone: a spreadsheet reads them as
 * numbers, not formulas.
 */
const NEEDS_QUOTE = /^'*[=+\-@\t\r]/
const QUOTED = /^'+[=+\-@\t\r]/
const PLAIN_NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i

export function neutraliseCell(value: string): string {
  return NEEDS_QUOTE.test(value) && !PLAIN_NUMBER.test(value) ? `'${value}` : value
}

export function restoreCell(value: string): string {
  return value.charCodeAt(0) === 39 && QUOTED.test(value) ? value.slice(1) : value
}
