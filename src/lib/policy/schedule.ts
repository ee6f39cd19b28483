/**
 * Weekly schedule windows in the owner's time zone: is a moment inside one, and when does the window
 * holding it end (following windows that touch or overlap, so "Mon-Fri 22:00-06:00" plus
 * "Sat 00:00-00:00" reads as one stretch).
 */
import type {ScheduleWindow} from '../domain/policy.js'

const DAY_MINUTES = 24 * 60
const MINUTE_MS = 60_000
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat']

export const minutesOf = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5))

const formatters = new Map<string, Intl.DateTimeFormat>()
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone)
  if (!f) formatters.set(timeZone, (f = new Intl.DateTimeFormat('en-US', {timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23'})))
  return f
}

/** Weekday (0 = Sunday) and minute of day of `at` in `timeZone`. */
export function localClock(at: Date, timeZone: string): {day: number; minute: number} {
  const parts = formatter(timeZone).formatToParts(at)
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? ''
  return {day: WEEKDAYS.indexOf(get('weekday')), minute: Number(get('hour')) * 60 + Number(get('minute'))}
}

/** Minutes from `minute` (on `day`) to the end of the window, if the window holds that moment. */
function minutesLeft(w: ScheduleWindow, day: number, minute: number): number | undefined {
  const from = minutesOf(w.from)
  const to = minutesOf(w.to)
  if (from < to) return w.days.includes(day) && minute >= from && minute < to ? to - minute : undefined
  // Wraps past midnight (or lasts 24 h when from = to): the start day's evening or the next day's morning.
  if (w.days.includes(day) && minute >= from) return DAY_MINUTES - minute + to
  if (w.days.includes((day + 6) % 7) && minute < to) return to - minute
  return undefined
}

/** Inside a weekly window? A window that wraps midnight also covers the early hours of the next day. */
export function inSchedule(windows: ScheduleWindow[], at: Date, timeZone: string): boolean {
  const {day, minute} = localClock(at, timeZone)
  return windows.some((w) => minutesLeft(w, day, minute) !== undefined)
}

/** The end of the longest window holding `at`, corrected once for a daylight-saving shift in between. */
function windowEnd(windows: ScheduleWindow[], at: Date, timeZone: string): Date | undefined {
  const {day, minute} = localClock(at, timeZone)
  let best: {left: number; to: number} | undefined
  for (const w of windows) {
    const left = minutesLeft(w, day, minute)
    if (left !== undefined && (!best || left > best.left)) best = {left, to: minutesOf(w.to)}
  }
  if (!best) return undefined
  const startOfMinute = Math.floor(at.getTime() / MINUTE_MS) * MINUTE_MS
  const naive = new Date(startOfMinute + best.left * MINUTE_MS)
  // Across a DST change the wall clock at `naive` is an hour off the window's end: move by the difference.
  const drift = (((best.to - localClock(naive, timeZone).minute) % DAY_MINUTES) + DAY_MINUTES + DAY_MINUTES / 2) % DAY_MINUTES - DAY_MINUTES / 2
  return new Date(naive.getTime() + drift * MINUTE_MS)
}

/**
 * When the schedule stops allowing, seen from `at` (which must be inside it): null when the windows
 * cover the whole week, so sharing never ends by the schedule.
 */
export function scheduleEnd(windows: ScheduleWindow[], at: Date, timeZone: string): Date | null {
  let cursor = at
  // Touching windows chain; a week of them (at most 7 days × 20 windows, and then some) means no end.
  for (let step = 0; step < 7 * 20 + 1; step++) {
    const end = windowEnd(windows, cursor, timeZone)
    if (!end) return cursor === at ? at : cursor
    if (end.getTime() - at.getTime() > 7 * DAY_MINUTES * MINUTE_MS) return null
    cursor = end
  }
  return null
}

export const weekdayName = (day: number): string => WEEKDAYS[day] ?? String(day)
