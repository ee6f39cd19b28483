import {rmSync} from 'node:fs'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {ApiClient} from '../../src/lib/client/api.js'
import {activePanics, clearPanic, triggerPanic} from '../../src/lib/client/panic.js'
import {setPolicy} from '../../src/lib/client/policy.js'
import type {Camera} from '../../src/lib/domain/camera.js'
import {newId} from '../../src/lib/domain/ids.js'
import type {PanicView} from '../../src/lib/domain/panic.js'
import {decide} from '../../src/lib/policy/decide.js'
import {generateOwnerKey, panicContext, signPanic, verifyPanic} from '../../src/lib/policy/document.js'
import {removeDir, startTestServer, type TestServer} from '../helpers/server.js'
import {sqlOne} from '../helpers/sql.js'
import {ownerWithCameras, recordEvents, useTempConfigDir} from '../policy/owner-fixture.js'
import {failure} from '../helpers/failure.js'

let t: TestServer
let configDir: string
let owner: {api: ApiClient; ownerId: string; cameras: Camera[]}

beforeAll(async () => {
  configDir = useTempConfigDir()
  t = await startTestServer()
  owner = await ownerWithCameras(t, 'gas-station', 'Gas Station 24', [
    {name: 'Pumps', latitude: 41.9, longitude: -87.65, address: '1200 N Halsted St'},
    {name: 'Till', latitude: 41.902, longitude: -87.652},
    {name: 'Car park', latitude: 41.904, longitude: -87.654},
  ])
  const [pumps, till, carPark] = owner.cameras
  await setPolicy(owner.api, pumps!.id, {live: 'emergency', emergencyMinutes: 30})
  await setPolicy(owner.api, till!.id, {recorded: 'emergency'})
  await setPolicy(owner.api, carPark!.id, {live: 'always'})
})

afterAll(async () => {
  await t.stop()
  removeDir(t.dataDir)
  rmSync(configDir, {recursive: true, force: true})
})

describe('panic button', () => {
  let triggered: PanicView

  it('trigger alerts every dashboard with the site, its location and the cameras it opens under `emergency`', async () => {
    const events = recordEvents(t)
    const before = Date.now()
    triggered = await triggerPanic(owner.api, {message: 'armed robbery in progress', durationMs: 60 * 60_000})
    await events.stop()
    const [event] = events.of('panic.triggered')
    expect(event).toMatchObject({severity: 'critical', ownerId: owner.ownerId})
    expect(event!.data).toEqual(triggered)
    const [pumps, till] = owner.cameras
    expect(triggered).toMatchObject({ownerId: owner.ownerId, site: 'Gas Station 24', latitude: 41.902, longitude: -87.652, address: '1200 N Halsted St', message: 'armed robbery in progress', clearedAt: null})
    expect(Date.parse(triggered.until) - Date.parse(triggered.startedAt)).toBe(3600_000)
    expect(Date.parse(triggered.startedAt)).toBeGreaterThanOrEqual(before - 1000)
    // The car park always shares: a panic does not "activate" it. The pumps share live for their 30 emergency minutes.
    expect(triggered.cameras).toEqual([
      {id: pumps!.id, name: 'Pumps', live: true, recorded: false, until: new Date(Date.parse(triggered.startedAt) + 30 * 60_000).toISOString()},
      {id: till!.id, name: 'Till', live: false, recorded: true, until: triggered.until},
    ])
  })

  it('the Core gets the panic as the owner signed it, and emergency access opens with it', async () => {
    const store = t.server.ctx.store
    const record = (await store.panic.activePanic(owner.ownerId, new Date()))!
    expect(record.id).toBe(triggered.panicId)
    const verified = verifyPanic(record, await store.policies.ownerKeys(owner.ownerId), {ownerId: owner.ownerId})
    const pumps = owner.cameras[0]!
    const policy = (await store.policies.shownPolicies([pumps.id])).get(pumps.id)!.policy!
    const asked = {kind: 'live' as const, at: new Date(), requester: {role: 'investigator'}}
    expect(decide(policy, {...asked, panic: panicContext(verified)}).allow).toBe(true)
    expect(decide(policy, {...asked, panic: null}).allow).toBe(false)
  })

  it('owners and agencies see the active panic; agencies cannot trigger one', async () => {
    const investigator = await t.userClient('ines', 'investigator')
    expect((await activePanics(investigator)).map((p) => p.panicId)).toEqual([triggered.panicId])
    expect((await activePanics(owner.api)).map((p) => p.panicId)).toEqual([triggered.panicId])
    expect((await failure(investigator.post('/v1/panic', {statement: {}}))).exitCode).toBe(4)
  })

  it('refuses a panic signed with a key the owner never registered, and one signed with a wrong clock', async () => {
    const now = new Date()
    const forged = signPanic({panicId: newId('alr'), startedAt: now.toISOString(), until: new Date(now.getTime() + 60_000).toISOString(), message: null}, generateOwnerKey(owner.ownerId))
    expect((await failure(owner.api.post('/v1/panic', {statement: forged}))).code).toBe('statement_unknown_key')
    const error = await failure(triggerPanic(owner.api, {durationMs: 60_000}, new Date(now.getTime() - 3600_000)))
    expect(error.message).toMatch(/behind the server's clock/)
    expect((await activePanics(owner.api))).toHaveLength(1)
  })

  it('clear ends it: `panic.cleared` names the cameras that close, and the Core sees the signed clear', async () => {
    const events = recordEvents(t)
    const {cleared} = await clearPanic(owner.api)
    await events.stop()
    expect(cleared).toHaveLength(1)
    const [event] = events.of('panic.cleared')
    expect(event).toMatchObject({severity: 'critical', ownerId: owner.ownerId})
    const data = event!.data as unknown as PanicView
    expect(data.clearedAt).toBe(data.until)
    expect(data.cameras.map((c) => [c.name, c.until])).toEqual([['Pumps', data.clearedAt], ['Till', data.clearedAt]])
    const store = t.server.ctx.store
    expect(await store.panic.activePanic(owner.ownerId, new Date())).toBeNull()
    const stored = (await sqlOne<{statement: string; clear_statement: string}>(store, 'SELECT statement, clear_statement FROM panics WHERE id = ?', [triggered.panicId]))!
    const verified = verifyPanic({statement: JSON.parse(stored.statement), clearStatement: JSON.parse(stored.clear_statement)}, await store.policies.ownerKeys(owner.ownerId))
    expect(verified.until).toBe(data.clearedAt)
    expect((await failure(clearPanic(owner.api))).code).toBe('no_panic')
  })
})
