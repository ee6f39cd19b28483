/** A policy edit: the owner's changes applied to the current policy, as a new, newer version. */
import {CameraPolicy, nextPolicyVersion, type ScheduleWindow, type SharingMode} from '../domain/policy.js'
import {usageError} from '../output/errors.js'

export interface PolicyChanges {
  live?: SharingMode
  recorded?: SharingMode
  /** undefined keeps the schedule, null removes it. */
  liveSchedule?: ScheduleWindow[] | null
  recordedSchedule?: ScheduleWindow[] | null
  timeZone?: string
  emergencyMinutes?: number
}

export const hasChanges = (changes: PolicyChanges): boolean => Object.values(changes).some((v) => v !== undefined)

export function applyPolicyChanges(current: CameraPolicy, changes: PolicyChanges, now = new Date()): CameraPolicy {
  if (!hasChanges(changes)) throw usageError('nothing to change', 'Pass --live, --recorded, --schedule, --time-zone or --emergency-minutes.')
  const kind = (rule: CameraPolicy['live'], mode: SharingMode | undefined, schedule: ScheduleWindow[] | null | undefined) => {
    const next = {mode: mode ?? rule.mode, schedule: schedule === undefined ? rule.schedule : (schedule ?? undefined)}
    return next.schedule ? next : {mode: next.mode}
  }
  const candidate = {
    cameraId: current.cameraId,
    live: kind(current.live, changes.live, changes.liveSchedule),
    recorded: kind(current.recorded, changes.recorded, changes.recordedSchedule),
    timeZone: changes.timeZone ?? current.timeZone,
    emergencyMinutes: changes.emergencyMinutes ?? current.emergencyMinutes,
    version: nextPolicyVersion(current.version, now),
    updatedAt: now.toISOString(),
  }
  const parsed = CameraPolicy.safeParse(candidate)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw usageError(`policy field "${issue.path.join('.')}": ${issue.message}`)
  }
  return parsed.data
}
