import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {readAgentState} from '../../src/lib/core/state.js'
import type {RtccEvent} from '../../src/lib/domain/events.js'
import type {StreamGrant} from '../../src/lib/domain/stream.js'
import {coreHub} from '../../src/lib/server/core-link/index.js'
import {startTestServer} from '../helpers/server.js'
import {type Site, startSite, until} from './helpers.js'

let site: Site

beforeAll(async () => {
  site = await startSite({host: '127.0.9.31', modes: ['always']})
  await site.startAgent()
})

afterAll(() => site?.stop())

describe('the Core and a server that goes away', () => {
  it('stops relaying when the server stops, and reconnects when it comes back on the same address', async () => {
    const grant = await site.investigator.post<StreamGrant>('/v1/streams', {cameraId: site.core.cameras[0]!.id})
    await until(() => site.agent!.activeRelays().length === 1, 'the relay to run')
    const port = Number(new URL(site.t.url).port)
    await site.t.stop()
    await until(() => site.agent!.linkState !== 'online', 'the Core to notice')
    // Nothing keeps flowing without the server that asked for it.
    await until(() => site.agent!.activeRelays().length === 0, 'the relay to stop')
    expect(readAgentState(site.dir)?.link.state).not.toBe('online')

    const restarted = await startTestServer({dataDir: site.t.dataDir, port})
    site.t = restarted
    await until(() => coreHub(restarted.server.ctx).session(site.core.coreId) !== undefined, 'the Core to reconnect', 20_000)
    await until(() => site.agent!.linkState === 'online', 'the Core to take the welcome')
    const cores = await restarted.admin.get<{id: string; online: boolean}[]>('/v1/cores')
    expect(cores).toMatchObject([{id: site.core.coreId, online: true}])
    // The old stream died with the old server: a new one starts cleanly (same session, same pin).
    const again = await site.investigator.post<StreamGrant>('/v1/streams', {cameraId: site.core.cameras[0]!.id})
    expect(again.streamId).not.toBe(grant.streamId)
    expect(again.started).toBe(true)
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
