/** The dashboard shows a pull of recorded video while it runs, and its outcome as an alert. */
import {describe, expect, it} from 'vitest'

import type {RtccEvent} from '../../src/lib/domain/events.js'
import {effectsOf} from '../../src/tui/model/event-map.js'

const event = (type: string, data: Record<string, unknown>): RtccEvent => ({id: 1, type, time: '2026-12-06T02:20:00.000Z', severity: 'info', ownerId: null, data})
const started = {cameraId: 'cam_1', cameraName: 'Front door', requester: 'det-lee', agency: 'Metro PD', window: {from: '2026-12-06T02:09:00.000Z', to: '2026-12-06T02:11:00.000Z'}}

describe('recorded-video pulls on the dashboard', () => {
  it('lists a pull in progress with the streams and removes it when it ends', () => {
    const [start] = effectsOf(event('recording.pull.started', started))
    expect(start).toMatchObject({kind: 'stream-start', stream: {cameraName: 'Front door', policyMode: 'pulling', site: 'det-lee'}})
    const key = (start as {stream: {key: string}}).stream.key
    expect(effectsOf(event('recording.pull.ended', {...started, bytes: 1000}))).toEqual([{kind: 'stream-stop', key}])
  })

  it('raises an alert for a pulled recording and for a refusal', () => {
    expect(effectsOf(event('recording.pulled', {cameraName: 'Front door', caseId: '26-1', requester: 'det-lee'}))[0]).toMatchObject({kind: 'alert', alert: {title: 'Recording pulled: Front door', detail: 'case 26-1 — det-lee'}})
    expect(effectsOf(event('recording.refused', {cameraName: 'Alley', requester: 'det-lee', reason: 'the owner never shares recordings'}))[0]).toMatchObject({kind: 'alert', alert: {title: 'Recording refused: Alley'}})
  })
})
