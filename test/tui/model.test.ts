import {describe, expect, it} from 'vitest'

import type {RtccEvent} from '../../src/lib/domain/events.js'
import {dataReducer, initialData, MAX_ALERTS, selectCases} from '../../src/tui/model/data.js'
import {effectsOf} from '../../src/tui/model/event-map.js'
import {initialUi, keyAction, uiReducer} from '../../src/tui/model/ui.js'

const T0 = Date.parse('2026-11-28T21:00:00Z')
let nextId = 1
function event(type: string, data: Record<string, unknown>, extra: Partial<RtccEvent> = {}): RtccEvent {
  return {id: nextId++, type, time: new Date(T0 + nextId * 1000).toISOString(), severity: 'info', ownerId: null, data, ...extra}
}
const panic = (ownerId = 'own_a') =>
  event('panic.triggered', {ownerId, site: "Marisol's Corner Store", latitude: 41.8819, longitude: -87.6278, message: 'robbery in progress', cameras: [{id: 'cam_1', name: 'Front door'}]})

const connected = () => dataReducer(initialData(T0), {type: 'connection', state: 'connected', at: T0})
const apply = (events: RtccEvent[], data = connected()) => dataReducer(data, {type: 'events', events, receivedAt: T0 + 60_000})

describe('event map', () => {
  it('turns a panic into a critical alert with its location and shared cameras, whatever severity the server gave', () => {
    const [effect] = effectsOf(panic())
    expect(effect).toMatchObject({kind: 'alert', alert: {title: "PANIC at Marisol's Corner Store", minSeverity: 'critical', location: {latitude: 41.8819, longitude: -87.6278}, cameras: [{id: 'cam_1', name: 'Front door'}]}})
    expect(effect!.kind === 'alert' && effect!.alert.detail).toContain('robbery in progress')
  })

  it('maps request transitions to request changes, and only the closing ones to alerts', () => {
    expect(effectsOf(event('request.issued', {requestId: 'req_1', caseId: 'C-1'}))).toEqual([{kind: 'request', requestId: 'req_1', caseId: 'C-1', status: 'issued'}])
    const declined = effectsOf(event('request.declined', {requestId: 'req_1', caseId: 'C-1'}))
    expect(declined.map((e) => e.kind)).toEqual(['alert', 'request'])
  })

  it('ignores event types it does not know and events missing their key fields', () => {
    expect(effectsOf(event('audit.checkpoint', {}))).toEqual([])
    expect(effectsOf(event('stream.started', {cameraName: 'no id'}))).toEqual([])
  })
})

describe('dashboard data', () => {
  it('lists alerts newest first and ignores an event it has already seen (a replay after reconnect)', () => {
    const a = panic()
    const b = event('request.declined', {requestId: 'req_9', caseId: 'C-9'}, {severity: 'warning'})
    const once = apply([a, b])
    expect(once.alerts.map((x) => x.id)).toEqual([b.id, a.id])
    const again = apply([a, b], once)
    expect(again).toBe(once)
  })

  it('resolves a panic when the same owner clears it, but not another owner\'s', () => {
    const mine = panic('own_a')
    const theirs = panic('own_b')
    const data = apply([mine, theirs, event('panic.cleared', {ownerId: 'own_a'})])
    expect(data.alerts.find((x) => x.id === mine.id)!.resolved?.note).toBe('cleared')
    expect(data.alerts.find((x) => x.id === theirs.id)!.resolved).toBeUndefined()
  })

  it('marks events from before the connection as replayed and measures lag only on live ones', () => {
    const start = dataReducer(initialData(T0 + 3_600_000), {type: 'connection', state: 'connected', at: T0 + 3_600_000})
    const old = panic()
    const data = dataReducer(start, {type: 'events', events: [old], receivedAt: T0 + 3_600_000})
    expect(data.alerts[0]!.replayed).toBe(true)
    expect(data.connection.caughtUp).toBe(1)
    expect(data.connection.lagMs).toBeUndefined()
    const live = {...panic(), time: new Date(T0 + 3_600_000 + 500).toISOString()}
    expect(dataReducer(data, {type: 'events', events: [live], receivedAt: T0 + 3_600_000 + 520}).connection.lagMs).toBe(20)
  })

  it(`keeps at most ${MAX_ALERTS} alerts, dropping the oldest`, () => {
    const events = Array.from({length: MAX_ALERTS + 5}, () => event('request.expired', {requestId: 'r', caseId: 'C'}))
    const data = apply(events)
    expect(data.alerts).toHaveLength(MAX_ALERTS)
    expect(data.alerts[0]!.id).toBe(events.at(-1)!.id)
    expect(data.alerts.at(-1)!.id).toBe(events[5]!.id)
  })

  it('never moves a request backwards: a replayed issued does not reopen a fulfilled request', () => {
    const loaded = dataReducer(connected(), {type: 'requests-loaded', requests: [{id: 'req_1', caseId: 'C-1', status: 'fulfilled', updatedAt: '2026-11-28T22:00:00Z'}, {id: 'req_2', caseId: 'C-1', status: 'viewed', updatedAt: '2026-11-28T22:00:00Z'}]})
    const data = apply([event('request.issued', {requestId: 'req_1', caseId: 'C-1'}), event('request.declined', {requestId: 'req_2', caseId: 'C-1'}), event('request.issued', {requestId: 'req_3', caseId: 'C-2'})], loaded)
    expect(data.requests.req_1!.status).toBe('fulfilled')
    expect(selectCases(data.requests)).toMatchObject([
      {caseId: 'C-2', total: 1, open: 1, fulfilled: 0},
      {caseId: 'C-1', total: 2, open: 0, fulfilled: 1, declined: 1},
    ])
  })

  it('tracks live streams by camera: started replaces, stopped removes', () => {
    const s = (type: string, cameraId: string, viewers: number) => event(type, {cameraId, cameraName: cameraId, site: 'Store', policyMode: 'emergency', viewers})
    const data = apply([s('stream.started', 'cam_1', 1), s('stream.started', 'cam_2', 1), s('stream.started', 'cam_1', 3), s('stream.stopped', 'cam_2', 0)])
    expect(data.streams).toMatchObject([{cameraId: 'cam_1', viewers: 3, policyMode: 'emergency'}])
  })

  it('replaces the streams with the server\'s list on reconnect, keeping those that started after it was asked for', () => {
    const started = (streamId: string, startedAt: string) => event('stream.started', {streamId, cameraId: 'cam_1', cameraName: 'Door', policyMode: 'always', startedAt})
    let data = apply([started('str_old', '2026-11-28T20:00:00Z'), started('str_new', '2026-11-28T21:30:00Z')])
    expect(data.streams.map((s) => s.key)).toEqual(['str_new', 'str_old'])
    const listed = [{key: 'str_listed', cameraId: 'cam_2', cameraName: 'Yard', site: 'Home', policyMode: 'approval', since: '2026-11-28T21:00:00Z', bitrate: null, fps: null, viewers: 1}]
    data = dataReducer(data, {type: 'streams-loaded', streams: listed, requestedAt: Date.parse('2026-11-28T21:10:00Z')})
    expect(data.streams.map((s) => s.key)).toEqual(['str_new', 'str_listed'])
  })

  it('resolves only the panic that was cleared, by its id, when an owner raised two', () => {
    const first = event('panic.triggered', {panicId: 'alr_1', ownerId: 'own_a', site: 'Store', latitude: null, longitude: null, cameras: []})
    const second = event('panic.triggered', {panicId: 'alr_2', ownerId: 'own_a', site: 'Store', latitude: null, longitude: null, cameras: []})
    const data = apply([first, second, event('panic.cleared', {panicId: 'alr_1', ownerId: 'own_a'})])
    expect(data.alerts.map((a) => [a.id, a.resolved?.note])).toEqual([[second.id, undefined], [first.id, 'cleared']])
    expect(data.alerts[0]!.location).toBeUndefined()
  })

  it('counts failed attempts and remembers since when the server has been lost', () => {
    let data = connected()
    data = dataReducer(data, {type: 'connection', state: 'disconnected', detail: 'ECONNREFUSED', at: T0 + 1000})
    data = dataReducer(data, {type: 'connection', state: 'connecting', at: T0 + 2000})
    data = dataReducer(data, {type: 'connection', state: 'disconnected', detail: 'ECONNREFUSED', at: T0 + 3000})
    expect(data.connection).toMatchObject({state: 'disconnected', attempts: 2, downSince: T0 + 1000})
    data = dataReducer(data, {type: 'connection', state: 'connected', at: T0 + 4000})
    expect(data.connection).toMatchObject({attempts: 0, downSince: undefined})
  })
})

describe('keys and selection', () => {
  it('keeps the selected row by key while new rows arrive above it', () => {
    let ui = uiReducer(initialUi, {type: 'move', step: 1, keys: ['3', '2', '1']})
    expect(ui.selected.alerts).toBe('2')
    ui = uiReducer(ui, {type: 'move', step: 1, keys: ['5', '4', '3', '2', '1']})
    expect(ui.selected.alerts).toBe('1')
    expect(uiReducer(ui, {type: 'move', step: 10, keys: ['2', '1']}).selected.alerts).toBe('1')
  })

  it('maps the documented keys', () => {
    const keys = ['a', 'b']
    expect(keyAction(initialUi, '', {tab: true}, keys, 5)).toEqual({ui: {type: 'focus', step: 1}})
    expect(keyAction(initialUi, '', {tab: true, shift: true}, keys, 5)).toEqual({ui: {type: 'focus', step: -1}})
    expect(keyAction(initialUi, 'j', {}, keys, 5)).toEqual({ui: {type: 'move', step: 1, keys}})
    expect(keyAction(initialUi, '', {upArrow: true}, keys, 5)).toEqual({ui: {type: 'move', step: -1, keys}})
    expect(keyAction(initialUi, '', {return: true}, keys, 5)).toEqual({ui: {type: 'open', overlay: 'details'}})
    expect(keyAction(initialUi, '', {return: true}, [], 5)).toBeUndefined()
    expect(keyAction(initialUi, 'a', {}, keys, 5)).toEqual({acknowledge: 'selected'})
    expect(keyAction(initialUi, '?', {}, keys, 5)).toEqual({ui: {type: 'open', overlay: 'help'}})
    expect(keyAction(initialUi, 'q', {}, keys, 5)).toEqual({quit: true})
  })

  it('types into the filter after / and applies it on Enter; q is a letter there, not quit', () => {
    let ui = uiReducer(initialUi, {type: 'open', overlay: 'filter'})
    for (const ch of 'panq') {
      const command = keyAction(ui, ch, {}, [], 5)
      ui = uiReducer(ui, (command as {ui: Parameters<typeof uiReducer>[1]}).ui)
    }
    expect(ui.draft).toBe('panq')
    ui = uiReducer(ui, (keyAction(ui, '', {backspace: true}, [], 5) as {ui: Parameters<typeof uiReducer>[1]}).ui)
    ui = uiReducer(ui, (keyAction(ui, '', {return: true}, [], 5) as {ui: Parameters<typeof uiReducer>[1]}).ui)
    expect(ui).toMatchObject({filter: 'pan', overlay: 'none'})
    expect(keyAction(ui, '', {escape: true}, [], 5)).toEqual({ui: {type: 'clear-filter'}})
  })
})
