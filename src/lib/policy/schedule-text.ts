/**
 * Schedules as people write them: "Mon-Fri 22:00-06:00", "Sat,Sun", "daily 20:00-08:00",
 * several windows joined with ";". Hand-rolled because the grammar is a dozen tokens and no
 * library speaks it; the result is validated by the ScheduleWindow schema.
 */
import {ScheduleWindow} from '../domain/policy.js'
import {usageError} from '../errors.js'
import {weekdayName} from './schedule.js'

const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat']
const ALL_DAYS = [0, 1, 2, 3, 4, 5, 6]

function dayIndex(word: string, where: string): number {
  const index = DAY_NAMES.indexOf(word.slice(0, 3).toLowerCase())
  const full = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'][index]
  if (index < 0 || !full!.startsWith(word.toLowerCase())) throw usageError(`${where}: "${word}" is not a day`, 'Days are Mon, Tue, Wed, Thu, Fri, Sat, Sun (or ranges like Mon-Fri, lists like Sat,Sun, or "daily").')
  return index
}

function parseDays(text: string, where: string): number[] {
  if (/^(daily|every ?day|all)$/i.test(text)) return ALL_DAYS
  const days = new Set<number>()
  for (const part of text.split(',')) {
    const [first, last, extra] = part.trim().split('-')
    if (!first || extra !== undefined) throw usageError(`${where}: "${part}" is not a day or a day range`)
    const start = dayIndex(first, where)
    const end = last === undefined ? start : dayIndex(last, where)
    // Ranges may wrap the week: Fri-Mon is Fri, Sat, Sun, Mon.
    for (let d = start; ; d = (d + 1) % 7) {
      days.add(d)
      if (d === end) break
    }
  }
  return [...days].sort((a, b) => a - b)
}

const TIME_RANGE = /(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$/
const ALL_DAY = /\ball\s*day\s*$/i

function parseWindow(text: string, where: string): ScheduleWindow {
  const trimmed = text.trim()
  const range = TIME_RANGE.exec(trimmed)
  const dayText = (range ? trimmed.slice(0, range.index) : trimmed.replace(ALL_DAY, '')).replace(/\s+/g, '')
  const days = dayText ? parseDays(dayText, where) : ALL_DAYS
  const pad = (h: string, m: string) => `${h.padStart(2, '0')}:${m}`
  // "24:00" as an end means midnight; from = to is a whole day, so "00:00-24:00" is all day.
  const to = range && (range[3] === '24' && range[4] === '00' ? '00:00' : pad(range[3]!, range[4]!))
  const candidate = range ? {days, from: pad(range[1]!, range[2]!), to} : {days, from: '00:00', to: '00:00'}
  const parsed = ScheduleWindow.safeParse(candidate)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw usageError(`${where}: "${trimmed}": ${issue.path.join('.')} ${issue.message}`, 'Write windows like "Mon-Fri 22:00-06:00" or "Sat,Sun" (all day); join several with ";".')
  }
  return parsed.data
}

/** Parses a schedule; "" or "none" or "always" means no schedule (undefined). */
export function parseSchedule(text: string, where = '--schedule'): ScheduleWindow[] | undefined {
  if (/^\s*(none|always|any ?time)?\s*$/i.test(text)) return undefined
  const windows = text.split(';').filter((w) => w.trim()).map((w) => parseWindow(w, where))
  if (windows.length > 20) throw usageError(`${where}: at most 20 windows`)
  return windows
}

/** Days in week order from Monday, consecutive runs of three or more as ranges: "Mon-Fri", "Sat,Sun". */
function formatDays(days: number[]): string {
  const fromMonday = (d: number) => (d + 6) % 7
  const sorted = [...new Set(days)].sort((a, b) => fromMonday(a) - fromMonday(b))
  if (sorted.length === 7) return 'daily'
  const runs: string[] = []
  for (let i = 0; i < sorted.length; ) {
    let j = i
    while (j + 1 < sorted.length && fromMonday(sorted[j + 1]!) === fromMonday(sorted[j]!) + 1) j++
    runs.push(j - i >= 2 ? `${weekdayName(sorted[i]!)}-${weekdayName(sorted[j]!)}` : sorted.slice(i, j + 1).map(weekdayName).join(','))
    i = j + 1
  }
  return runs.join(',')
}

/** The inverse of parseSchedule, for display: "Mon-Fri 22:00-06:00; Sat,Sun all day". */
export function formatSchedule(windows: ScheduleWindow[] | undefined): string {
  if (!windows?.length) return 'any time'
  return windows.map((w) => `${formatDays(w.days)} ${w.from === '00:00' && w.to === '00:00' ? 'all day' : `${w.from}-${w.to}`}`).join('; ')
}
