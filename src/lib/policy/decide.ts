/**
 * The access decision, pure: decide(policy, context) → allow or deny, why, and until when. The Core
 * calls it for every stream request whatever the server says; `rtcc policy test` shows its answer.
 */
import type {CameraPolicy, Decision, PolicyContext} from '../domain/policy.js'
import {inSchedule, scheduleEnd} from './schedule.js'

export {inSchedule, scheduleEnd} from './schedule.js'

const earliest = (...times: (string | null)[]): string | null =>
  times.reduce<string | null>((min, t) => (t === null ? min : min === null || Date.parse(t) < Date.parse(min) ? t : min), null)

const iso = (ms: number) => new Date(ms).toISOString()

export function decide(policy: CameraPolicy, context: PolicyContext): Decision {
  const rule = policy[context.kind]
  const at = context.at.getTime()
  const kind = context.kind === 'live' ? 'live video' : 'recordings'
  let windowEnds: string | null = null
  if (rule.schedule?.length) {
    if (!inSchedule(rule.schedule, context.at, policy.timeZone))
      return {allow: false, code: 'outside-schedule', reason: `outside the owner's schedule for ${kind} (${policy.timeZone})`, until: null}
    const end = scheduleEnd(rule.schedule, context.at, policy.timeZone)
    windowEnds = end && end.toISOString()
  }
  const scheduleNote = (until: string | null) => (windowEnds !== null && until === windowEnds ? ' (the end of the schedule window)' : '')
  switch (rule.mode) {
    case 'never':
      return {allow: false, code: 'never', reason: `the owner never shares ${kind} from this camera`, until: null}
    case 'always': {
      const until = windowEnds
      return {allow: true, code: 'always', reason: `the owner always shares ${kind}${until ? ` until ${until}${scheduleNote(until)}` : ''}`, until}
    }
    case 'emergency': {
      const panic = context.panic
      const panicStart = panic ? Date.parse(panic.startedAt) : NaN
      const panicEnd = panic ? Math.min(Date.parse(panic.until), panicStart + policy.emergencyMinutes * 60_000) : NaN
      if (!panic || !(panicStart <= at && at < panicEnd))
        return {allow: false, code: 'no-panic', reason: `the owner shares ${kind} only during a panic they trigger, and none is active`, until: null}
      const until = earliest(iso(panicEnd), windowEnds)!
      return {allow: true, code: 'emergency-active', reason: `emergency: the owner's panic opens ${kind} until ${until}${scheduleNote(until)}`, until}
    }
    case 'approval': {
      // A live approval never releases recorded video, nor a recorded one live video.
      const wanted = context.kind
      const current = (context.approvals ?? []).filter(
        (a) => (a.kind ?? 'live') === wanted && Date.parse(a.from) <= at && Date.parse(a.until) > at && (!a.requesterId || a.requesterId === context.requester.userId),
      )
      const open = wanted === 'recorded' ? current.filter((a) => covers(a.recorded, context.window)) : current
      if (open.length === 0 && current.length > 0)
        return {allow: false, code: 'no-approval', reason: `the owner approved recorded video of ${current.map((a) => `${a.recorded!.from}..${a.recorded!.to}`).join(', ')} only, which does not cover ${context.window ? `${context.window.from}..${context.window.to}` : 'an unnamed window'}`, until: null}
      if (open.length === 0)
        return {allow: false, code: 'no-approval', reason: `the owner shares ${kind} only within a window they approved${context.requester.userId ? ' for this requester' : ''}, and none is open`, until: null}
      const approvedUntil = iso(Math.max(...open.map((a) => Date.parse(a.until))))
      const until = earliest(approvedUntil, windowEnds)!
      return {allow: true, code: 'approval-active', reason: `approved by the owner until ${until}${scheduleNote(until)}`, until}
    }
  }
}

/** Whether an approved recorded window covers the one asked for (a missing one covers nothing). */
const covers = (approved: {from: string; to: string} | undefined, asked: {from: string; to: string} | undefined): boolean =>
  !!approved && !!asked && Date.parse(approved.from) <= Date.parse(asked.from) && Date.parse(asked.to) <= Date.parse(approved.to)
