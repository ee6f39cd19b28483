/**
 * Spreadsheet formula injection: a CSV cell starting with `=`, `+`, `-`, `@`, tab or CR may run as a
 * formula when opened in Excel or LibreOffice. Exports prefix such text cells with `'`, which
 * spreadsheets show as plain text; imports take exactly one `'` off again, so export → import gives
 * back the same value. A value that already starts with `'` before a trigger gains one more on export,
 * keeping the mapping reversible.
 */
const NEEDS_QUOTE = /^'*[=+\-@\t\r]/
const QUOTED = /^'+[=+\-@\t\r]/

export function neutraliseCell(value: string): string {
  return NEEDS_QUOTE.test(value) ? `'${value}` : value
}

export function restoreCell(value: string): string {
  return value.charCodeAt(0) === 39 && QUOTED.test(value) ? value.slice(1) : value
}
