/**
 * The phone's panic button through the API: `owner device add` gives a one-time link, the phone
 * (the page's own WebCrypto code) sends its key, the owner's key vouches for it, and panics the phone
 * signs are accepted; a key the owner never vouched for, or revoked, opens nothing.
 */
import {rmSync} from 'node:fs'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {ApiClient} from '../../src/lib/client/api.js'
import {addDevice, listDevices, revokeDevice} from '../../src/lib/client/devices.js'
import {setPolicy} from '../../src/lib/client/policy.js'
import type {Camera} from '../../src/lib/domain/camera.js'
import type {DeviceView} from '../../src/lib/domain/device.js'
import type {PanicView} from '../../src/lib/domain/panic.js'
import type {DeviceHome} from '../../src/lib/services/devices.js'
import {failure} from '../helpers/failure.js'
import {removeDir, startTestServer, type TestServer} from '../helpers/server.js'
import {sqlAll} from '../helpers/sql.js'
import {ownerWithCameras, recordEvents, useTempConfigDir} from '../policy/owner-fixture.js'
import {answerLink, type Phone, statements} from './phone.js'

let t: TestServer
let configDir: string
let owner: {api: ApiClient; ownerId: string; cameras: Camera[]}

/** `owner device add` with the phone answering the link; returns what the CLI was shown and the phone. */
async function pairPhone(name: string, vouch = true): Promise<{phone: Phone; shownKeyId: string; device: DeviceView | Error}> {
  let phone!: Phone
  let shownKeyId = ''
  const device = await addDevice(owner.api, {
    name,
    pollMs: 50,
    onLink: async (link) => {
      expect(link).toMatch(new RegExp(`^${t.url}/owner/device#rtcc_l_[A-Za-z0-9_-]{43}$`))
      phone = await answerLink(t, link)
    },
    confirmKey: (keyId) => {
      shownKeyId = keyId
      return vouch
    },
  }).catch((error: Error) => error)
  return {phone, shownKeyId, device}
}

beforeAll(async () => {
  configDir = useTempConfigDir()
  t = await startTestServer()
  owner = await ownerWithCameras(t, 'corner-shop', 'Corner Shop', [
    {name: 'Till', latitude: 41.9, longitude: -87.65, address: '12 Main St'},
    {name: 'Yard', latitude: 41.901, longitude: -87.651},
  ])
  await setPolicy(owner.api, owner.cameras[0]!.id, {live: 'emergency', emergencyMinutes: 30})
})

afterAll(async () => {
  await t.stop()
  removeDir(t.dataDir)
  rmSync(configDir, {recursive: true, force: true})
})

describe('a phone the owner vouched for', () => {
  let phone: Phone
  let panic: PanicView

  it('gets a one-time link; the owner sees the key id the phone computed, and vouches for it', async () => {
    const paired = await pairPhone("Mo's phone")
    phone = paired.phone
    expect(paired.shownKeyId).toBe(phone.keyId)
    expect(paired.device).toMatchObject({name: "Mo's phone", status: 'active', keyId: phone.keyId, publicKey: phone.publicKey})
    // The stored vouching is the owner's statement, signed with the owner key.
    const [record] = await t.server.ctx.store.devices.vouchedDevices(owner.ownerId)
    expect(record!.statement).toMatchObject({type: 'device', ownerId: owner.ownerId})
    expect(JSON.parse(record!.statement.payload)).toMatchObject({publicKey: phone.publicKey, deviceId: phone.device.id})
  })

  it('the link works once', async () => {
    const row = (await t.server.ctx.store.devices.getDevice(phone.device.id))!
    expect(row.link_hash).toBeNull()
  })

  it('the panic page shows the site and the cameras a panic opens', async () => {
    const home = await phone.api.get<DeviceHome>('/v1/device')
    expect(home).toMatchObject({ownerId: owner.ownerId, site: 'Corner Shop', panics: []})
    expect(home.cameras).toEqual([expect.objectContaining({id: owner.cameras[0]!.id, name: 'Till', live: true})])
  })

  it('raises a panic it signed itself; every dashboard gets the alert', async () => {
    const lib = await statements()
    const events = recordEvents(t)
    panic = await phone.api.post<PanicView>('/v1/panic', {statement: await lib.panicStatement(phone.signer(owner.ownerId), {minutes: 30, message: 'robbery'})})
    await events.stop()
    expect(panic).toMatchObject({site: 'Corner Shop', message: 'robbery', cameras: [expect.objectContaining({name: 'Till', live: true})]})
    expect(events.of('panic.triggered').map((e) => e.data.panicId)).toEqual([panic.panicId])
    expect((await phone.api.get<DeviceHome>('/v1/device')).panics.map((p) => p.panicId)).toEqual([panic.panicId])
    const audit = await sqlAll<{actor_name: string; role: string; outcome: string}>(t.server.ctx.store, "SELECT actor_name, role, outcome FROM audit_records WHERE action = 'panic.trigger' ORDER BY seq")
    expect(audit).toEqual([{actor_name: 'corner-shop', role: 'owner', outcome: 'allowed'}])
  })

  it('ends the emergency with a clear it signed', async () => {
    const lib = await statements()
    const cleared = await phone.api.post<{cleared: PanicView[]}>('/v1/panic/clear', {statement: await lib.clearStatement(phone.signer(owner.ownerId), [panic.panicId])})
    expect(cleared.cleared.map((p) => p.panicId)).toEqual([panic.panicId])
  })

  it('can do nothing else with its token: no profile, no cameras, no deletion', async () => {
    expect((await failure(phone.api.get('/v1/cameras'))).exitCode).toBe(4)
    expect((await failure(phone.api.delete('/v1/owners/me'))).exitCode).toBe(4)
    expect((await failure(phone.api.post('/v1/owner-devices', {name: 'another'}))).exitCode).toBe(4)
  })

  it('once revoked (the revocation signed by the owner key), its token and its key open nothing', async () => {
    const events = recordEvents(t)
    const revoked = await revokeDevice(owner.api, "Mo's phone")
    await events.stop()
    expect(revoked).toMatchObject({status: 'revoked', id: phone.device.id})
    expect(events.of('owner.device.revoked')).toHaveLength(1)
    expect((await failure(phone.api.get('/v1/device'))).message).toMatch(/unknown or revoked device/)
    const lib = await statements()
    const refused = await failure(owner.api.post('/v1/panic', {statement: await lib.panicStatement(phone.signer(owner.ownerId), {minutes: 5})}))
    expect(refused.message).toMatch(/not a trusted key/)
  })
})

describe('a key the owner never vouched for', () => {
  it('a phone whose code the owner refused is dropped: its token and key open nothing', async () => {
    const {phone, device} = await pairPhone('stranger', false)
    expect((device as Error).message).toMatch(/not vouched for/)
    expect((await failure(phone.api.get('/v1/device'))).message).toMatch(/unknown or revoked device/)
    const lib = await statements()
    const refused = await failure(owner.api.post('/v1/panic', {statement: await lib.panicStatement(phone.signer(owner.ownerId), {minutes: 5})}))
    expect(refused.message).toMatch(/not a trusted key/)
    expect((await listDevices(owner.api)).find((d) => d.id === phone.device.id)).toMatchObject({status: 'revoked', vouchedAt: null})
  })

  it('the server cannot vouch for a key: a vouching statement not signed by the owner key is refused', async () => {
    const {generateOwnerKey} = await import('../../src/lib/policy/document.js')
    const {signDeviceVouch} = await import('../../src/lib/policy/device.js')
    const forger = generateOwnerKey(owner.ownerId)
    const {device, link} = await owner.api.post<{device: DeviceView; link: string}>('/v1/owner-devices', {name: 'forged'})
    const phone = await answerLink(t, link)
    const statement = signDeviceVouch({deviceId: device.id, name: 'forged', publicKey: phone.publicKey, vouchedAt: new Date().toISOString()}, forger)
    expect((await failure(owner.api.post(`/v1/owner-devices/${device.id}/vouch`, {statement}))).message).toMatch(/not a trusted key/)
    // Even stored by a server that skips the check, the forged vouching makes no panic key.
    await t.server.ctx.store.devices.vouchDevice(device.id, statement, new Date().toISOString())
    const lib = await statements()
    const refused = await failure(owner.api.post('/v1/panic', {statement: await lib.panicStatement(phone.signer(owner.ownerId), {minutes: 5})}))
    expect(refused.message).toMatch(/not a trusted key/)
  })
})
