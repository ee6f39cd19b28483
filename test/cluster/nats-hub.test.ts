/** The NATS JetStream event hub on its own: two instances' hubs on one real stream. */
import {existsSync} from 'node:fs'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {Bus, NatsEventHub, parseBusUrl} from '../../src/lib/bus/nats.js'
import type {RtccEvent} from '../../src/lib/domain/events.js'
import {until} from '../core/helpers.js'
import {runCli} from '../helpers/cli.js'
import {removeDir, tempDir} from '../helpers/server.js'
import {clusterServicesAvailable, deleteStream, NATS_URL, uniqueStream} from './helpers.js'

const available = await clusterServicesAvailable()

describe('bus URLs', () => {
  it('takes nats:// with an optional stream name, and refuses anything else naming what is wrong', () => {
    expect(parseBusUrl('nats://127.0.0.1:4222')).toEqual({servers: 'nats://127.0.0.1:4222', stream: 'RTCC_EVENTS'})
    expect(parseBusUrl('nats://a:4222?stream=County_1')).toEqual({servers: 'nats://a:4222', stream: 'County_1'})
    expect(() => parseBusUrl('redis://a:6379')).toThrow('redis: is not supported, only nats://')
    expect(() => parseBusUrl('nats://a:4222?stream=a.b')).toThrow('stream "a.b" must be 1-64 letters, digits, _ or -')
    expect(() => parseBusUrl('127.0.0.1:4222 x')).toThrow('is not a URL')
  })

  it('`rtcc server start --bus` with a bad URL exits 2 before creating anything', async () => {
    const dir = tempDir()
    removeDir(dir)
    const result = await runCli(['server', 'start', '--data-dir', dir, '--port', '0', '--bus', 'amqp://127.0.0.1'])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('--bus: amqp: is not supported')
    expect(result.stderr).not.toMatch(/\n\s+at /)
    expect(existsSync(dir)).toBe(false)
  })
})

describe.skipIf(!available)('two hubs on one JetStream stream', () => {
  const stream = uniqueStream()
  let buses: Bus[]
  let hubs: NatsEventHub[]
  const heard: RtccEvent[][] = [[], []]

  beforeAll(async () => {
    buses = [await Bus.connect({servers: NATS_URL, stream}), await Bus.connect({servers: NATS_URL, stream})]
    hubs = buses.map((bus) => new NatsEventHub(bus))
    for (const [i, hub] of hubs.entries()) {
      await hub.start()
      hub.subscribe((event) => heard[i]!.push(event))
    }
  })

  afterAll(async () => {
    for (const hub of hubs ?? []) await hub.stop()
    for (const bus of buses ?? []) await bus.close()
    await deleteStream(stream)
  })

  it('events published on either hub reach both, numbered by the stream, in one order', async () => {
    const published: RtccEvent[] = []
    for (let i = 0; i < 20; i++) published.push(await hubs[i % 2]!.publish({type: 'test.tick', data: {i}}))
    await until(() => heard.every((list) => list.length === 20), 'both hubs to hear 20 events', 5000)
    expect(heard[0]).toEqual(published)
    expect(heard[1]).toEqual(published)
    expect(published.map((e) => e.id)).toEqual(published.map((_, i) => published[0]!.id + i))
  })

  it('replays exactly what came after an id, from either hub, and nothing for an id at or past the end', async () => {
    const [first, , third] = heard[0]!
    const after = await hubs[1]!.replay(third!.id)
    expect(after).toEqual(heard[0]!.slice(3))
    expect(await hubs[0]!.replay(first!.id, 2)).toEqual(heard[0]!.slice(1, 3))
    expect(await hubs[0]!.replay(heard[0]!.at(-1)!.id)).toEqual([])
    expect(await hubs[0]!.replay(heard[0]!.at(-1)!.id + 1000)).toEqual([])
  })
})
