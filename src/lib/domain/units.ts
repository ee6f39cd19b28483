/** Durations (`30s`, `15m`, `2h`, `7d`), distances (`300m`, `1.5km`, `0.5mi`) and times (`2026-11-01`, ISO, or a duration meaning "that long ago"). */
import {usageError} from '../errors.js'

const UNIT_MS: Record<string, number> = {ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000}

export function parseDuration(text: string, flag = 'duration'): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)\s*$/i.exec(text)
  if (!match) throw usageError(`${flag}: "${text}" is not a duration`, 'Use a number and a unit: 30s, 15m, 2h, 7d, 2w.')
  return Math.round(Number(match[1]) * UNIT_MS[match[2]!.toLowerCase()]!)
}

/** An absolute time as UTC ISO-8601; `2h` means two hours ago. */
export function parseTime(text: string, flag = 'time', now = new Date()): string {
  if (/^\s*\d+(\.\d+)?\s*(ms|s|m|h|d|w)\s*$/i.test(text)) return new Date(now.getTime() - parseDuration(text, flag)).toISOString()
  const ms = Date.parse(text)
  if (Number.isNaN(ms)) throw usageError(`${flag}: "${text}" is not a time`, 'Use ISO-8601 (2026-11-01 or 2026-11-01T14:30:00Z) or a duration ago (2h, 7d).')
  return new Date(ms).toISOString()
}

const METRES_PER_UNIT: Record<string, number> = {m: 1, km: 1000, ft: 0.3048, mi: 1609.344}
const UNIT_ALIASES: Record<string, string> = {
  m: 'm', meter: 'm', meters: 'm', metre: 'm', metres: 'm',
  km: 'km', kilometer: 'km', kilometers: 'km', kilometre: 'km', kilometres: 'km',
  ft: 'ft', foot: 'ft', feet: 'ft',
  mi: 'mi', mile: 'mi', miles: 'mi',
}

/** `300m`, `1.5km`, `500ft`, `0.5mi` → metres. A bare number is refused: `300` could be feet or metres. */
export function parseDistance(input: string, what = 'radius'): number {
  const match = /^\s*(\d+(?:\.\d*)?|\.\d+)\s*([a-z]+)\s*$/i.exec(input)
  const unit = match ? UNIT_ALIASES[match[2]!.toLowerCase()] : undefined
  if (!match || !unit) {
    throw usageError(`${what}: "${input}" is not a distance`, 'Use a number and a unit (m, km, ft, mi), e.g. 300m, 1.5km, 500ft, 0.5mi.')
  }
  const metres = Number(match[1]) * METRES_PER_UNIT[unit]!
  if (!(metres > 0)) throw usageError(`${what}: "${input}" must be greater than zero`, 'Use a positive number and a unit (m, km, ft, mi), e.g. 300m.')
  return metres
}

const BYTES_PER_UNIT: Record<string, number> = {b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40}

/** `50GiB`, `500MB`, `1.5TB` → bytes. */
export function parseBytes(text: string, flag = 'size'): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?i?b)\s*$/i.exec(text)
  const unit = match && BYTES_PER_UNIT[match[2]!.toLowerCase()]
  if (!match || !unit) throw usageError(`${flag}: "${text}" is not a size`, 'Use a number and a unit: 500MB, 50GiB, 2TB.')
  return Math.round(Number(match[1]) * unit)
}
