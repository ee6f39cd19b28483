/** Small text helpers for fixed-width dashboard rows: local clock times, durations, rates, fitting. */

/** Local wall-clock time, `21:04:12`; the zone is shown once in the status bar. */
export function clock(iso: string): string {
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return '--:--:--'
  return [date.getHours(), date.getMinutes(), date.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':')
}

/** Local date and time with the zone, short enough for a details column: `Nov 29, 21:04:12 CST`. */
export function localTime(iso: string): string {
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return iso
  return date.toLocaleString('en-US', {month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23', timeZoneName: 'short'})
}

export const zoneName = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone

/** `45s`, `12m`, `3h05m`, `2d4h`. */
export function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000))
  if (s < 60) return `${s}s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m}m`
  const h = Math.floor(m / 60)
  if (h < 24) return `${h}h${String(m % 60).padStart(2, '0')}m`
  return `${Math.floor(h / 24)}d${h % 24}h`
}

export function bitrate(bitsPerSecond: number | null): string {
  if (bitsPerSecond === null) return '–'
  if (bitsPerSecond >= 1e6) return `${(bitsPerSecond / 1e6).toFixed(1)} Mb/s`
  return `${Math.round(bitsPerSecond / 1e3)} kb/s`
}

/** Pad or cut to exactly `width` characters (cut text ends with `…`). */
export function fit(text: string, width: number): string {
  if (width <= 0) return ''
  const flat = text.replace(/\s+/g, ' ')
  if (flat.length <= width) return flat.padEnd(width)
  return width === 1 ? '…' : flat.slice(0, width - 1) + '…'
}

export function distance(metres: number): string {
  return metres >= 1000 ? `${(metres / 1000).toFixed(1)} km` : `${Math.round(metres)} m`
}

/**
 * Cut to at most `width` characters at a word or field boundary, ending with `…`: a status line cut
 * mid-word ("127.0.0.1:84") reads as a wrong value, a dropped word does not.
 */
export function truncateWords(text: string, width: number): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  if ([...flat].length <= width) return flat
  if (width <= 1) return width === 1 ? '…' : ''
  const room = [...flat].slice(0, width - 1).join('')
  const cut = room.search(/[\s·@,]+[^\s·@,]*$/)
  const kept = (cut > 0 ? room.slice(0, cut) : room).replace(/[\s·@,]+$/, '')
  return `${kept}…`
}
