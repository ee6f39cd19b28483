/** A policy edit: the owner's changes applied to the current policy, as a new, newer version. */
import {CameraPolicy, isTimeZone, nextPolicyVersion, type ScheduleWindow, SHARING_MODES, type SharingMode} from '../domain/policy.js'
import {usageError} from '../errors.js'
import {parseSchedule} from './schedule-text.js'

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

export interface PolicyFlags {
  live?: string
  recorded?: string
  schedule?: string
  'live-schedule'?: string
  'recorded-schedule'?: string
  'time-zone'?: string
  'emergency-minutes'?: number
}

/**
 * Command flags as changes. A schedule typed without --time-zone is read in `localZone` (the
 * computer's), which becomes the policy's zone.
 */
export function changesFromFlags(flags: PolicyFlags, localZone: string): PolicyChanges {
  const schedule = (flag: keyof PolicyFlags, text: string | undefined) => (text === undefined ? undefined : (parseSchedule(text, `--${flag}`) ?? null))
  const both = schedule('schedule', flags.schedule)
  const liveSchedule = flags['live-schedule'] === undefined ? both : schedule('live-schedule', flags['live-schedule'])
  const recordedSchedule = flags['recorded-schedule'] === undefined ? both : schedule('recorded-schedule', flags['recorded-schedule'])
  const zone = flags['time-zone'] ?? (liveSchedule || recordedSchedule ? localZone : undefined)
  if (zone !== undefined && !isTimeZone(zone)) throw usageError(`--time-zone: "${zone}" is not a time zone`, 'Use an IANA name such as America/Chicago, Europe/London or UTC.')
  const mode = (flag: 'live' | 'recorded') => {
    const value = flags[flag]
    if (value !== undefined && !(SHARING_MODES as readonly string[]).includes(value)) throw usageError(`--${flag}: "${value}" is not one of ${SHARING_MODES.join(', ')}`)
    return value as SharingMode | undefined
  }
  return {live: mode('live'), recorded: mode('recorded'), liveSchedule, recordedSchedule, timeZone: zone, emergencyMinutes: flags['emergency-minutes']}
}
