import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {followEvents} from '../../src/lib/client/events.js'
import type {RtccEvent} from '../../src/lib/domain/events.js'
import {removeDir, startTestServer, type TestServer} from '../helpers/server.js'

let t: TestServer

beforeAll(async () => {
  t = await startTestServer()
})

afterAll(async () => {
  await t.stop()
  removeDir(t.dataDir)
})

async function collect(iterator: AsyncGenerator<RtccEvent>, count: number): Promise<RtccEvent[]> {
  const events: RtccEvent[] = []
  for await (const event of iterator) {
    events.push(event)
    if (events.length >= count) break
  }
  return events
}

describe('GET /v1/events', () => {
  it('replays what a client missed after Last-Event-ID, then streams live, filtered by type', async () => {
    const first = t.server.ctx.events.publish({type: 'request.fulfilled', data: {n: 1}})
    t.server.ctx.events.publish({type: 'camera.offline', data: {n: 2}})
    t.server.ctx.events.publish({type: 'request.declined', data: {n: 3}})
    const controller = new AbortController()
    const received = collect(followEvents(t.admin, {types: ['request.*'], lastEventId: first.id - 1, signal: controller.signal}), 3)
    setTimeout(() => t.server.ctx.events.publish({type: 'request.expired', data: {n: 4}}), 300)
    const events = await received
    controller.abort()
    expect(events.map((e) => e.data.n)).toEqual([1, 3, 4])
  })

  it('gives owners only the events about themselves', async () => {
    await t.anonymous().post('/v1/owners/signup', {username: 'evt-owner', password: 'Owner-Passphrase-77', profile: {displayName: 'E', email: 'e@example.org'}})
    const owner = await t.login('evt-owner', 'Owner-Passphrase-77')
    const me = (await owner.get<{user: {id: string}}>('/v1/auth/whoami')).user.id
    const start = t.server.ctx.events.publish({type: 'panic.triggered', ownerId: 'own_someoneelse', data: {n: 1}})
    t.server.ctx.events.publish({type: 'request.issued', ownerId: me, data: {n: 2}})
    const controller = new AbortController()
    const events = await collect(followEvents(owner, {lastEventId: start.id - 1, signal: controller.signal}), 1)
    controller.abort()
    expect(events.map((e) => e.data.n)).toEqual([2])
  })

  it('does not hold up server shutdown while a dashboard is connected', async () => {
    const controller = new AbortController()
    const iterator = followEvents(t.admin, {signal: controller.signal, maxBackoffMs: 1000})
    const pending = iterator.next()
    await new Promise((resolve) => setTimeout(resolve, 300))
    const started = Date.now()
    await t.stop()
    expect(Date.now() - started).toBeLessThan(5000)
    controller.abort()
    await pending.catch(() => undefined)
  })
})
