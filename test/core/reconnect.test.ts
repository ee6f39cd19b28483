import {connect} from 'node:net'
import {setTimeout as sleep} from 'node:timers/promises'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {followEvents} from '../../src/lib/client/events.js'
import {DEFAULT_BACKOFF} from '../../src/lib/core/backoff.js'
import {readAgentState} from '../../src/lib/core/state.js'
import type {RtccEvent} from '../../src/lib/domain/events.js'
import type {StreamGrant} from '../../src/lib/domain/stream.js'
import {startTestServer} from '../helpers/server.js'
import {type Site, startSite, until} from './helpers.js'

let site: Site

/** When the port first accepts a connection (probed every 20 ms). */
async function listeningAt(port: number): Promise<number> {
  for (;;) {
    const accepted = await new Promise<boolean>((resolve) => {
      const socket = connect({host: '127.0.0.1', port}, () => resolve(true)).on('error', () => resolve(false))
      socket.on('connect', () => socket.destroy())
    })
    if (accepted) return Date.now()
    await sleep(20)
  }
}

beforeAll(async () => {
  site = await startSite({host: '127.0.9.31', modes: ['always']})
  await site.startAgent({backoff: DEFAULT_BACKOFF})
})

afterAll(() => site?.stop())

describe('the Core and a server that goes away', () => {
  it('after a server restart on the same port and data dir, the Core is linked and a live view works, and the dashboard\'s event stream is back, within 3 s of the server listening', async () => {
    const grant = await site.investigator.post<StreamGrant>('/v1/streams', {cameraId: site.core.cameras[0]!.id})
    await until(() => site.agent!.activeRelays().length === 1, 'the relay to run')
    const dashboard = new AbortController()
    const states: {state: string; at: number}[] = []
    const events = followEvents(site.investigator, {signal: dashboard.signal, onState: (state) => states.push({state, at: Date.now()})})
    void (async () => {
      for await (const _ of events);
    })()
    await until(() => states.at(-1)?.state === 'connected', 'the dashboard to connect')

    const port = Number(new URL(site.t.url).port)
    await site.t.stop()
    await until(() => site.agent!.linkState !== 'online', 'the Core to notice')
    // Nothing keeps flowing without the server that asked for it.
    await until(() => site.agent!.activeRelays().length === 0, 'the relay to stop')
    expect(readAgentState(site.dir)?.link.state).not.toBe('online')
    // Away long enough for an exponential backoff to have grown past seconds.
    await sleep(8000)

    const listening = listeningAt(port)
    const restarted = await startTestServer({dataDir: site.t.dataDir, port})
    const restarting = await listening
    site.t = restarted
    await until(() => restarted.server.ctx.cores.session(site.core.coreId) !== undefined && site.agent!.linkState === 'online', 'the Core to reconnect', 10_000)
    const linked = Date.now() - restarting
    // The old stream died with the old server: a new one starts cleanly (same session, same pin).
    const again = await site.investigator.post<StreamGrant>('/v1/streams', {cameraId: site.core.cameras[0]!.id})
    const viewing = Date.now() - restarting
    await until(() => states.at(-1)?.state === 'connected' && states.at(-1)!.at > restarting, 'the dashboard to reconnect', 10_000)
    const dashboardBack = states.at(-1)!.at - restarting
    dashboard.abort()
    expect(linked, 'ms from restart to the Core linked').toBeLessThan(3000)
    expect(viewing, 'ms from restart to a live view granted').toBeLessThan(3000)
    expect(dashboardBack, 'ms from restart to the event stream connected').toBeLessThan(3000)
    expect(again.streamId).not.toBe(grant.streamId)
    expect(again.started).toBe(true)
    const cores = await restarted.admin.get<{id: string; online: boolean}[]>('/v1/cores')
    expect(cores).toMatchObject([{id: site.core.coreId, online: true}])
  })

  it('reports camera health: offline with the reason when the camera stops answering', async () => {
    const events: RtccEvent[] = []
    site.t.server.ctx.events.subscribe((e) => events.push(e))
    const camera = site.core.cameras[0]!
    expect((await site.agent!.checkHealth())[0]).toMatchObject({cameraId: camera.id, status: 'online', onvif: 'ok', stream: {codec: 'h264', width: 320}})
    await site.sim.stop()
    // The stream still open from the test above dies with the camera; then the Core probes it.
    await until(() => site.agent!.activeRelays().length === 0, 'the relay to end with the camera')
    const [health] = await site.agent!.checkHealth()
    expect(health).toMatchObject({status: 'offline', onvif: 'unreachable'})
    await until(() => events.some((e) => e.type === 'camera.offline' && e.data.cameraId === camera.id), 'camera.offline')
    const offline = events.find((e) => e.type === 'camera.offline')!
    expect(offline).toMatchObject({severity: 'warning', data: {cameraName: camera.name, site: 'Corner Store', coreId: site.core.coreId}})
    expect(String(offline.data.detail)).toMatch(/does not answer ONVIF either/)
    const cores = await site.t.admin.get<{cameras: {id: string; status: string; detail: string}[]}[]>('/v1/cores')
    expect(cores[0]!.cameras[0]).toMatchObject({id: camera.id, status: 'offline'})
  })
})
