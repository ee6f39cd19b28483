/**
 * Tables for humans: aligned columns with a header on a TTY, plain tab-separated rows when piped
 * (as gh does), so `cut -f` and `awk -F'\t'` work on the output.
 */
export interface Column<T> {
  header: string
  get: (row: T) => unknown
}

export function formatCell(value: unknown): string {
  if (value === null || value === undefined) return ''
  if (Array.isArray(value)) return value.join(',')
  if (typeof value === 'object') return JSON.stringify(value)
  return String(value)
}

export function renderTable<T>(rows: T[], columns: Column<T>[], tty = Boolean(process.stdout.isTTY)): string {
  const cells = rows.map((row) => columns.map((c) => formatCell(c.get(row)).replace(/[\t\n]/g, ' ')))
  if (!tty) return cells.map((r) => r.join('\t')).join('\n') + (cells.length ? '\n' : '')
  const headers = columns.map((c) => c.header.toUpperCase())
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]!.length)))
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()
  return [line(headers), ...cells.map(line)].join('\n') + '\n'
}

/** Key/value block for `show` commands. */
export function renderFields(fields: [string, unknown][]): string {
  const width = Math.max(...fields.map(([k]) => k.length))
  return fields.map(([k, v]) => `${k.padEnd(width)}  ${formatCell(v)}`).join('\n') + '\n'
}
