import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {followEvents} from '../../src/lib/client/events.js'
import {triggerPanic} from '../../src/lib/client/panic.js'
import type {RtccEvent} from '../../src/lib/domain/events.js'
import {ownerWithCameras, useTempConfigDir} from '../policy/owner-fixture.js'
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
    const first = await t.server.ctx.events.publish({type: 'request.fulfilled', data: {n: 1}})
    await t.server.ctx.events.publish({type: 'camera.offline', data: {n: 2}})
    await t.server.ctx.events.publish({type: 'request.declined', data: {n: 3}})
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
    const start = await t.server.ctx.events.publish({type: 'panic.triggered', ownerId: 'own_someoneelse', data: {n: 1}})
    await t.server.ctx.events.publish({type: 'request.issued', ownerId: me, data: {n: 2}})
    const controller = new AbortController()
    const events = await collect(followEvents(owner, {lastEventId: start.id - 1, signal: controller.signal}), 1)
    controller.abort()
    expect(events.map((e) => e.data.n)).toEqual([2])
  })

  it("a panic inside one agency's jurisdiction reaches that agency's dashboards, live and replayed, and no other agency's", async () => {
    useTempConfigDir()
    const square = (west: number, south: number) => ({type: 'Polygon', coordinates: [[[west, south], [west + 0.1, south], [west + 0.1, south + 0.1], [west, south + 0.1], [west, south]]]})
    await t.admin.post('/v1/agencies', {name: 'North PD', jurisdiction: square(-87.7, 41.95)})
    await t.admin.post('/v1/agencies', {name: 'South PD', jurisdiction: square(-87.7, 41.7)})
    const password = 'Agency-Analyst-Pass-1'
    await t.admin.post('/v1/users', {username: 'north-analyst', password, role: 'analyst', agency: 'North PD'})
    await t.admin.post('/v1/users', {username: 'south-analyst', password, role: 'analyst', agency: 'South PD'})
    const [north, south] = await Promise.all([t.login('north-analyst', password), t.login('south-analyst', password)])
    const shop = await ownerWithCameras(t, 'north-shop', 'North Shop', [{name: 'Till', latitude: 41.99, longitude: -87.65}])

    const before = (await t.server.ctx.events.publish({type: 'test.mark', data: {n: 0}})).id
    const controller = new AbortController()
    const live = {
      north: collect(followEvents(north, {signal: controller.signal}), 1),
      south: collect(followEvents(south, {signal: controller.signal}), 1),
      owner: collect(followEvents(shop.api, {types: ['panic.*'], signal: controller.signal}), 1),
    }
    await new Promise((resolve) => setTimeout(resolve, 300))
    const panic = await triggerPanic(shop.api, {message: 'robbery', durationMs: 30 * 60_000})
    // Something South may see, after the panic: if the panic had reached South it would come first.
    await t.server.ctx.events.publish({type: 'test.mark', data: {n: 1, latitude: 41.75, longitude: -87.65}})
    const [northLive, southLive, ownerLive] = await Promise.all([live.north, live.south, live.owner])
    const replayed = await collect(followEvents(south, {lastEventId: before, signal: controller.signal}), 1)
    controller.abort()

    expect(northLive.map((e) => [e.type, e.data.panicId, e.data.site])).toEqual([['panic.triggered', panic.panicId, 'North Shop']])
    expect(ownerLive.map((e) => e.data.panicId)).toEqual([panic.panicId])
    expect(southLive.map((e) => [e.type, e.data.n])).toEqual([['test.mark', 1]])
    expect(replayed.map((e) => [e.type, e.data.n])).toEqual([['test.mark', 1]])

    // South's own request reaches South wherever its camera is; an event with no place reaches no agency.
    const southPd = (await t.server.ctx.store.agencies.getAgency('South PD'))!
    await t.server.ctx.store.access.insertAccessRequest({
      id: 'acc_south_own', cameraId: shop.cameras[0]!.id, ownerId: shop.ownerId, requesterId: 'usr_south', requesterName: 'south-analyst',
      agencyId: southPd.id, agencyName: southPd.name, reason: 'test', durationSeconds: 600, now: new Date().toISOString(),
    })
    const from = (await t.server.ctx.events.publish({type: 'test.mark', data: {n: 2}})).id
    await t.server.ctx.events.publish({type: 'test.own-request', data: {requestId: 'acc_south_own'}})
    const replayedOwn = new AbortController()
    const own = await collect(followEvents(south, {lastEventId: from - 1, signal: replayedOwn.signal}), 1)
    replayedOwn.abort()
    expect(own.map((e) => e.type)).toEqual(['test.own-request'])
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
