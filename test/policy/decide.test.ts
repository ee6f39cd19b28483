import {describe, expect, it} from 'vitest'

import {type CameraPolicy, defaultPolicy, type KindPolicy, type PolicyContext} from '../../src/lib/domain/policy.js'
import {decide, inSchedule, scheduleEnd} from '../../src/lib/policy/decide.js'

const policy = (live: KindPolicy, extra: Partial<CameraPolicy> = {}): CameraPolicy => ({...defaultPolicy('cam_test'), live, ...extra})
const at = (iso: string, extra: Partial<PolicyContext> = {}): PolicyContext => ({kind: 'live', at: new Date(iso), requester: {role: 'investigator', userId: 'usr_ines'}, ...extra})
const NIGHTS = [{days: [1, 2, 3, 4, 5], from: '22:00', to: '06:00'}]
const CHICAGO = {timeZone: 'America/Chicago'}

describe('decide: modes', () => {
  it('always allows with no end; never refuses; each kind has its own rule', () => {
    const p = {...policy({mode: 'always'}), recorded: {mode: 'never' as const}}
    expect(decide(p, at('2026-11-03T12:00:00Z'))).toMatchObject({allow: true, code: 'always', until: null})
    expect(decide(p, at('2026-11-03T12:00:00Z', {kind: 'recorded'}))).toMatchObject({allow: false, code: 'never', until: null})
  })

  it('the default policy shares nothing', () => {
    for (const kind of ['live', 'recorded'] as const) expect(decide(defaultPolicy('cam_x'), at('2026-11-03T12:00:00Z', {kind})).allow).toBe(false)
  })
})

describe('decide: emergency follows the panic', () => {
  const p = policy({mode: 'emergency'}, {emergencyMinutes: 30})
  const panic = {startedAt: '2026-11-03T12:00:00.000Z', until: '2026-11-03T13:00:00.000Z'}

  it('refuses without a panic, before it starts, and from the moment it ends', () => {
    expect(decide(p, at('2026-11-03T12:10:00Z'))).toMatchObject({allow: false, code: 'no-panic'})
    expect(decide(p, at('2026-11-03T11:59:59Z', {panic})).allow).toBe(false)
    expect(decide(p, at('2026-11-03T12:30:00Z', {panic})).allow).toBe(false)
  })

  it('allows from the panic start until the camera\'s emergency minutes run out', () => {
    expect(decide(p, at('2026-11-03T12:00:00Z', {panic}))).toMatchObject({allow: true, code: 'emergency-active', until: '2026-11-03T12:30:00.000Z'})
    expect(decide(p, at('2026-11-03T12:29:59Z', {panic})).allow).toBe(true)
  })

  it('ends with the panic when the panic ends first (cleared early)', () => {
    const cleared = {...panic, until: '2026-11-03T12:05:00.000Z'}
    expect(decide(p, at('2026-11-03T12:04:00Z', {panic: cleared})).until).toBe('2026-11-03T12:05:00.000Z')
    expect(decide(p, at('2026-11-03T12:05:00Z', {panic: cleared})).allow).toBe(false)
  })
})

describe('decide: approval windows', () => {
  const p = policy({mode: 'approval'})
  const window = {from: '2026-11-03T12:00:00.000Z', until: '2026-11-03T12:30:00.000Z'}

  it('refuses with no window, before it opens and once it closes', () => {
    expect(decide(p, at('2026-11-03T12:10:00Z'))).toMatchObject({allow: false, code: 'no-approval'})
    expect(decide(p, at('2026-11-03T11:59:00Z', {approvals: [window]})).allow).toBe(false)
    expect(decide(p, at('2026-11-03T12:30:00Z', {approvals: [window]})).allow).toBe(false)
  })

  it('allows inside a window, until its end', () => {
    expect(decide(p, at('2026-11-03T12:10:00Z', {approvals: [window]}))).toMatchObject({allow: true, code: 'approval-active', until: window.until})
  })

  it('a window approved for one requester opens for that requester only', () => {
    const bound = [{...window, requesterId: 'usr_ines'}]
    expect(decide(p, at('2026-11-03T12:10:00Z', {approvals: bound})).allow).toBe(true)
    expect(decide(p, at('2026-11-03T12:10:00Z', {approvals: bound, requester: {role: 'investigator', userId: 'usr_other'}})).allow).toBe(false)
    expect(decide(p, at('2026-11-03T12:10:00Z', {approvals: bound, requester: {role: 'admin'}})).allow).toBe(false)
  })

  it('overlapping windows run to the latest end', () => {
    const approvals = [window, {from: '2026-11-03T12:20:00.000Z', until: '2026-11-03T13:00:00.000Z'}]
    expect(decide(p, at('2026-11-03T12:25:00Z', {approvals})).until).toBe('2026-11-03T13:00:00.000Z')
  })
})

describe('decide: schedules', () => {
  const nights = policy({mode: 'always', schedule: NIGHTS}, CHICAGO)

  it('a window that wraps past midnight covers the next morning, in the owner\'s time zone', () => {
    // Tue 23:00 CST → allowed until Wed 06:00 CST
    expect(decide(nights, at('2026-11-04T05:00:00Z'))).toMatchObject({allow: true, until: '2026-11-04T12:00:00.000Z'})
    expect(decide(nights, at('2026-11-04T11:59:00Z')).allow).toBe(true)
    expect(decide(nights, at('2026-11-04T12:00:00Z'))).toMatchObject({allow: false, code: 'outside-schedule'})
    // Friday's window runs into Saturday morning; Sunday's does not exist, so Monday 03:00 is outside
    expect(decide(nights, at('2026-11-07T07:00:00Z')).until).toBe('2026-11-07T12:00:00.000Z')
    expect(decide(nights, at('2026-11-09T05:00:00Z')).allow).toBe(false)
    expect(decide(nights, at('2026-11-09T09:00:00Z')).allow).toBe(false)
  })

  it('the same instant is inside the window in one time zone and outside in others', () => {
    const days = [{days: [0, 1, 2, 3, 4, 5, 6], from: '09:00', to: '17:00'}]
    const instant = new Date('2026-11-03T20:00:00Z')
    expect(inSchedule(days, instant, 'America/Chicago')).toBe(true)
    expect(inSchedule(days, instant, 'UTC')).toBe(false)
    expect(inSchedule(days, instant, 'Asia/Tokyo')).toBe(false)
  })

  it('ends the window at the right instant across daylight-saving changes', () => {
    const daily = [{days: [0, 1, 2, 3, 4, 5, 6], from: '22:00', to: '06:00'}]
    // Fall back (2026-11-01): Sat 22:30 CDT → Sun 06:00 CST
    expect(scheduleEnd(daily, new Date('2026-11-01T03:30:00Z'), 'America/Chicago')?.toISOString()).toBe('2026-11-01T12:00:00.000Z')
    // Spring forward (2026-03-08): Sat 22:30 CST → Sun 06:00 CDT
    expect(scheduleEnd(daily, new Date('2026-03-08T04:30:00Z'), 'America/Chicago')?.toISOString()).toBe('2026-03-08T11:00:00.000Z')
  })

  it('touching windows chain into one stretch; windows covering the whole week never end', () => {
    const monTue = [{days: [1], from: '00:00', to: '00:00'}, {days: [2], from: '00:00', to: '00:00'}]
    expect(scheduleEnd(monTue, new Date('2026-11-02T12:00:00Z'), 'UTC')?.toISOString()).toBe('2026-11-04T00:00:00.000Z')
    expect(scheduleEnd([{days: [0, 1, 2, 3, 4, 5, 6], from: '00:00', to: '00:00'}], new Date('2026-11-02T12:00:00Z'), 'UTC')).toBeNull()
  })

  it('an allow ends at the schedule window\'s end when that comes before the panic\'s or the approval\'s', () => {
    const panic = {startedAt: '2026-11-04T11:30:00.000Z', until: '2026-11-04T13:00:00.000Z'}
    const emergency = policy({mode: 'emergency', schedule: NIGHTS}, {...CHICAGO, emergencyMinutes: 120})
    expect(decide(emergency, at('2026-11-04T11:45:00Z', {panic}))).toMatchObject({allow: true, until: '2026-11-04T12:00:00.000Z'})
    const approval = policy({mode: 'approval', schedule: NIGHTS}, CHICAGO)
    expect(decide(approval, at('2026-11-04T11:45:00Z', {approvals: [{from: panic.startedAt, until: panic.until}]})).until).toBe('2026-11-04T12:00:00.000Z')
  })

  it('outside the schedule nothing opens, not even a panic', () => {
    const panic = {startedAt: '2026-11-03T18:00:00.000Z', until: '2026-11-03T19:00:00.000Z'}
    expect(decide(policy({mode: 'emergency', schedule: NIGHTS}, CHICAGO), at('2026-11-03T18:10:00Z', {panic})).code).toBe('outside-schedule')
  })
})
