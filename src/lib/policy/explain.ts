/** `rtcc policy test`: decide() with its reasoning spelled out, step by step. */
import type {CameraPolicy, Decision, PolicyContext} from '../domain/policy.js'
import {decide} from './decide.js'
import {inSchedule, localClock, weekdayName} from './schedule.js'
import {formatSchedule} from './schedule-text.js'

const hhmm = (minute: number) => `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`

/**
 * The decision and the steps that lead to it. With `detail` false (agencies), the steps name the
 * mode and the facts of the moment, not the owner's schedule or emergency settings.
 */
export function explainDecision(policy: CameraPolicy, context: PolicyContext, options: {detail: boolean}): {decision: Decision; steps: string[]} {
  const decision = decide(policy, context)
  const rule = policy[context.kind]
  const steps = [`${context.kind} video: the owner's mode is "${rule.mode}"${options.detail && rule.schedule?.length ? `, only ${formatSchedule(rule.schedule)} (${policy.timeZone})` : ''}`]
  if (rule.schedule?.length) {
    const clock = localClock(context.at, policy.timeZone)
    const inside = inSchedule(rule.schedule, context.at, policy.timeZone)
    steps.push(options.detail ? `${context.at.toISOString()} is ${weekdayName(clock.day)} ${hhmm(clock.minute)} in ${policy.timeZone}: ${inside ? 'inside' : 'outside'} the schedule` : `the owner shares only at scheduled times: ${inside ? 'inside' : 'outside'} them now`)
  }
  if (rule.mode === 'emergency') {
    const panic = context.panic
    steps.push(panic ? `the owner's panic runs ${panic.startedAt} to ${panic.until}` : 'the owner has no panic in force at that time')
    if (options.detail) steps.push(`a panic opens this camera for at most ${policy.emergencyMinutes} minutes`)
  }
  if (rule.mode === 'approval') {
    const approvals = context.approvals ?? []
    if (approvals.length === 0) steps.push('the owner has approved no window on this camera for that time')
    for (const a of approvals) {
      const whom = a.requesterId ? (a.requesterId === context.requester.userId ? 'for this requester' : `for another requester (${a.requesterId})`) : 'for anyone'
      steps.push(`approved window ${a.from} to ${a.until}, ${whom}`)
    }
  }
  steps.push(decision.allow ? `→ ALLOW${decision.until ? ` until ${decision.until}` : ''}: ${decision.reason}` : `→ DENY: ${decision.reason}`)
  return {decision, steps}
}
