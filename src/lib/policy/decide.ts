/**
 * The access decision, pure: decide(policy, context) → allow or deny, why, and until when. The Core
 * calls it for every stream request whatever the server says; `rtcc policy test` shows its answer.
 */
import type {CameraPolicy, Decision, PolicyContext, ScheduleWindow} from '../domain/policy.js'

const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5))

/** Weekday (0 = Sunday) and minute of day of `at` in `timeZone`. */
function localClock(at: Date, timeZone: string): {day: number; minute: number} {
  const parts = new Intl.DateTimeFormat('en-US', {timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23'}).formatToParts(at)
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? ''
  const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(get('weekday'))
  return {day, minute: Number(get('hour')) * 60 + Number(get('minute'))}
}

/** Inside a weekly window? A window that wraps midnight also covers the early hours of the next day. */
export function inSchedule(windows: ScheduleWindow[], at: Date, timeZone: string): boolean {
  const {day, minute} = localClock(at, timeZone)
  return windows.some((w) => {
    const from = minutes(w.from)
    const to = minutes(w.to)
    if (from < to) return w.days.includes(day) && minute >= from && minute < to
    return (w.days.includes(day) && minute >= from) || (w.days.includes((day + 6) % 7) && minute < to)
  })
}

const isoMin = (a: string | null, b: string | null) => (a === null ? b : b === null ? a : a < b ? a : b)

export function decide(policy: CameraPolicy, context: PolicyContext): Decision {
  const rule = policy[context.kind]
  const at = context.at.getTime()
  const kind = context.kind === 'live' ? 'live video' : 'recordings'
  if (rule.schedule?.length && !inSchedule(rule.schedule, context.at, policy.timeZone))
    return {allow: false, code: 'outside-schedule', reason: `outside the owner's schedule for ${kind}`, until: null}
  switch (rule.mode) {
    case 'never':
      return {allow: false, code: 'never', reason: `the owner never shares ${kind} from this camera`, until: null}
    case 'always':
      return {allow: true, code: 'always', reason: `the owner always shares ${kind}`, until: null}
    case 'emergency': {
      const panic = context.panic
      if (!panic || Date.parse(panic.startedAt) > at || Date.parse(panic.until) <= at)
        return {allow: false, code: 'no-panic', reason: `the owner shares ${kind} only during a panic they trigger, and none is active`, until: null}
      return {allow: true, code: 'emergency-active', reason: `emergency: the owner's panic is active until ${panic.until}`, until: panic.until}
    }
    case 'approval': {
      const open = (context.approvals ?? []).filter(
        (a) => Date.parse(a.from) <= at && Date.parse(a.until) > at && (!a.requesterId || a.requesterId === context.requester.userId),
      )
      if (open.length === 0) return {allow: false, code: 'no-approval', reason: `the owner shares ${kind} only within a window they approved, and none is open`, until: null}
      const until = open.map((a) => a.until).reduce<string | null>((m, u) => (m === null || u > m ? u : m), null)
      return {allow: true, code: 'approval-active', reason: `approved by the owner until ${until}`, until: isoMin(until, null)}
    }
  }
}
