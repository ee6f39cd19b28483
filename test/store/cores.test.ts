/** The Core and event-buffer repositories: the same cases on SQLite and on PostgreSQL, the same rows back. */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {CameraHealth} from '../../src/lib/domain/core.js'
import type {RtccEvent} from '../../src/lib/domain/events.js'
import {InProcessEventHub} from '../../src/lib/server/events/hub.js'
import type {PgStore} from '../../src/lib/store/postgres/pg-store.js'
import type {SqliteStore} from '../../src/lib/store/sqlite-store.js'
import {BACKENDS, useBackendStore, openBackend, type OpenedStore} from './backends.js'

const NOW = '2026-12-01T09:00:00.000Z'
const LATER = '2026-12-01T10:00:00.000Z'
const ANN = {displayName: 'Ann', organisation: null, email: 'ann@example.org', phone: null, postalAddress: null, preferredContact: 'email'} as const

/** A registry camera, inserted as it stands (the camera repository is not the subject here). */
async function addCamera(store: SqliteStore | PgStore, id: string, ownerId: string, name: string, latitude = 41.85, longitude = -87.65): Promise<void> {
  const values = [id, ownerId, 'owner', id, name, latitude, longitude, 'business', 0, 1, NOW, NOW]
  if (store.backend === 'sqlite') {
    ;(store as SqliteStore).db
      .prepare('INSERT INTO cameras (id, owner_id, source, external_id, name, latitude, longitude, location_type, records, live_capable, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(...values)
  } else {
    await (store as PgStore).pool.query(
      'INSERT INTO cameras (id, owner_id, source, external_id, name, latitude, longitude, location_type, records, live_capable, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)',
      values,
    )
  }
}

const health = (cameraId: string, status: CameraHealth['status'], detail: string | null = null): CameraHealth => ({
  cameraId,
  status,
  onvif: 'ok',
  stream: status === 'online' ? {codec: 'h264', width: 640, height: 360, fps: 10} : null,
  detail,
  checkedAt: LATER,
})

describe.each(BACKENDS)('Core repository on %s', (backend) => {
  let opened: OpenedStore<SqliteStore | PgStore>
  let store: SqliteStore | PgStore
  let ownerId: string
  let otherOwnerId: string
  beforeAll(async () => {
    opened = await openBackend(backend)
    store = opened.store
    ownerId = (await store.owners.insertOwner(ANN, {id: 'own_ann', verified: true})).id
    otherOwnerId = (await store.owners.insertOwner({...ANN, displayName: 'Bo', email: 'bo@example.org'}, {id: 'own_bo', verified: true})).id
  })
  afterAll(() => opened?.close())

  it('checks an enrolment code as unknown, valid, expired or used, and spends it once', async () => {
    await store.cores.insertEnrollCode('ABCD1234EFGH5678', {ownerId, createdBy: 'usr_admin', expiresAt: LATER, now: NOW})
    await store.cores.insertEnrollCode('OLDCODE000000000', {ownerId, createdBy: 'usr_admin', expiresAt: NOW, now: NOW})
    expect(await store.cores.checkEnrollCode('NOSUCHCODE000000', NOW)).toEqual({problem: 'unknown'})
    expect(await store.cores.checkEnrollCode('ABCD1234EFGH5678', NOW)).toEqual({ownerId})
    expect(await store.cores.checkEnrollCode('OLDCODE000000000', NOW)).toEqual({problem: 'expired'})
    expect(await store.cores.useEnrollCode('OLDCODE000000000', 'core_x', NOW)).toBe(false)

    const core = await store.cores.insertCore({id: 'core_one', ownerId, name: 'Corner Store', publicKey: 'PEM', version: '1.0', now: NOW})
    expect(await store.cores.useEnrollCode('ABCD1234EFGH5678', core.id, NOW)).toBe(true)
    expect(await store.cores.useEnrollCode('ABCD1234EFGH5678', core.id, NOW)).toBe(false)
    expect(await store.cores.checkEnrollCode('ABCD1234EFGH5678', NOW)).toEqual({problem: 'used'})
  })

  it('stores a Core and reads back the same row shape, through its link states', async () => {
    const core = await store.cores.insertCore({id: 'core_link', ownerId, name: 'Bakery', publicKey: 'PEM-2', version: '1.0', now: NOW})
    expect(core).toEqual({
      id: 'core_link', owner_id: ownerId, name: 'Bakery', public_key: 'PEM-2', version: '1.0', enrolled_at: NOW, online: 0, connected_at: null, last_seen_at: null, source_address: null,
    })
    await store.cores.markConnected(core.id, {now: LATER, source: '10.0.0.7', version: '1.1'})
    expect(await store.cores.getCore(core.id)).toMatchObject({online: 1, connected_at: LATER, last_seen_at: LATER, source_address: '10.0.0.7', version: '1.1'})
    await store.cores.markSeen(core.id, '2026-12-01T10:05:00.000Z')
    expect((await store.cores.getCore(core.id))?.last_seen_at).toBe('2026-12-01T10:05:00.000Z')
    await store.cores.markDisconnected(core.id, '2026-12-01T10:06:00.000Z')
    expect(await store.cores.getCore(core.id)).toMatchObject({online: 0, last_seen_at: '2026-12-01T10:06:00.000Z', connected_at: LATER})
    await store.cores.markConnected(core.id, {now: LATER, source: null, version: '1.1'})
    await store.cores.markAllDisconnected()
    expect((await store.cores.getCore(core.id))?.online).toBe(0)
    expect(await store.cores.getCore('core_none')).toBeUndefined()
  })

  it('attaches cameras, records health changes and policy modes, and lists Cores with their cameras', async () => {
    const core = await store.cores.insertCore({id: 'core_list', ownerId, name: 'Deli', publicKey: 'PEM-3', version: '1.0', now: NOW})
    const other = await store.cores.insertCore({id: 'core_other', ownerId: otherOwnerId, name: 'Garage', publicKey: 'PEM-4', version: '1.0', now: NOW})
    await addCamera(store, 'cam_b', ownerId, 'Till')
    await addCamera(store, 'cam_a', ownerId, 'Door')
    await addCamera(store, 'cam_g', otherOwnerId, 'Bay')
    await store.cores.attachCamera(core.id, 'cam_b', {liveMode: 'never', recordedMode: 'never'})
    await store.cores.attachCamera(core.id, 'cam_a', {liveMode: 'always', recordedMode: 'never'})
    await store.cores.attachCamera(other.id, 'cam_g', {liveMode: 'never', recordedMode: 'never'})
    expect(await store.cores.coreCameraIds(core.id)).toEqual(['cam_a', 'cam_b'])
    expect((await store.cores.coreForCamera('cam_g'))?.id).toBe(other.id)
    expect(await store.cores.coreForCamera('cam_none')).toBeUndefined()

    // A report names this Core's cameras and one of another Core's (ignored); only changes come back.
    expect(await store.cores.recordHealth(core.id, [health('cam_a', 'online'), health('cam_b', 'offline'), health('cam_g', 'offline')])).toEqual([
      {cameraId: 'cam_a', name: 'Door', from: 'unknown', to: 'online', detail: null},
      {cameraId: 'cam_b', name: 'Till', from: 'unknown', to: 'offline', detail: null},
    ])
    expect(await store.cores.recordHealth(core.id, [health('cam_a', 'offline', 'no RTSP answer')])).toEqual([
      {cameraId: 'cam_a', name: 'Door', from: 'online', to: 'offline', detail: 'no RTSP answer'},
    ])
    await store.cores.recordHealth(core.id, [health('cam_a', 'online')])
    await store.cores.recordPolicyModes(core.id, [
      {cameraId: 'cam_b', liveMode: 'emergency', recordedMode: 'approval', version: 2, digest: 'd'},
      {cameraId: 'cam_g', liveMode: 'always', recordedMode: 'always', version: 2, digest: 'd'},
    ])

    const mine = await store.cores.listCores({ownerId})
    expect(mine.map((c) => c.id)).toEqual(['core_link', 'core_list', 'core_one'])
    expect(mine.find((c) => c.id === 'core_list')).toEqual({
      id: 'core_list', name: 'Deli', ownerId, ownerName: 'Ann', online: false, lastSeenAt: null, connectedAt: null, enrolledAt: NOW, version: '1.0',
      cameras: [
        {id: 'cam_a', name: 'Door', status: 'online', detail: null, checkedAt: LATER, stream: {codec: 'h264', width: 640, height: 360, fps: 10}, liveMode: 'always', recordedMode: 'never'},
        {id: 'cam_b', name: 'Till', status: 'offline', detail: null, checkedAt: LATER, stream: null, liveMode: 'emergency', recordedMode: 'approval'},
      ],
    })
    // Another Core's camera kept its modes.
    expect((await store.cores.listCores({ownerId: otherOwnerId}))[0]!.cameras.map((c) => [c.id, c.liveMode, c.status])).toEqual([['cam_g', 'never', 'unknown']])
    expect((await store.cores.listCores()).map((c) => c.id)).toEqual(['core_link', 'core_list', 'core_one', 'core_other'])
    // An agency's view: only the cameras it may see, and no Core without one of them.
    const visible = await store.cores.listCores({visibleCamera: (id) => id === 'cam_b'})
    expect(visible.map((c) => [c.id, c.cameras.map((cam) => cam.id)])).toEqual([['core_list', ['cam_b']]])
  })
})

describe.each(BACKENDS)('event buffer on %s', (backend) => {
  const store = useBackendStore(backend)

  const event = (n: number) => ({type: 'test.mark', time: NOW, severity: 'info' as const, ownerId: n % 2 ? 'own_odd' : null, data: {n, nested: {ok: true}}})

  it('numbers events in order, replays after an id up to a limit, and keeps only the last `keep`', async () => {
    const first = await store.events.insertEvent(event(1), 100)
    expect(first).toEqual({id: 1, ...event(1)})
    for (let n = 2; n <= 250; n++) await store.events.insertEvent(event(n), 100)
    expect(await store.events.eventsAfter(247, 10)).toEqual([248, 249, 250].map((n) => ({id: n, ...event(n)})))
    expect((await store.events.eventsAfter(0, 3)).map((e) => e.id)).toEqual([101, 102, 103])
    expect(await store.events.eventsAfter(250, 10)).toEqual([])
  })

  it('resolves what an event names to places and requesting agencies', async () => {
    const owner = await store.owners.insertOwner(ANN, {id: 'own_places', verified: true})
    await addCamera(store, 'cam_p1', owner.id, 'One', 41.8, -87.6)
    await addCamera(store, 'cam_p2', owner.id, 'Two', 41.9, -87.7)
    await addCamera(store, 'cam_p3', owner.id, 'Three', 42.0, -87.8)
    await store.cores.insertCore({id: 'core_places', ownerId: owner.id, name: 'Site', publicKey: 'PEM', version: '1', now: NOW})
    await store.cores.attachCamera('core_places', 'cam_p2', {liveMode: 'never', recordedMode: 'never'})
    const square = {type: 'Polygon', coordinates: [[[-88, 41], [-87, 41], [-87, 42], [-88, 42], [-88, 41]]]}
    const agency = await store.agencies.insertAgency('Places PD', square as never)
    await store.access.insertAccessRequest({
      id: 'acc_places', cameraId: 'cam_p3', ownerId: owner.id, requesterId: 'usr_x', requesterName: 'x', agencyId: agency.id, agencyName: agency.name, reason: 'test', durationSeconds: 600, now: NOW,
    })

    const sorted = (places: {latitude: number; longitude: number}[]) => [...places].sort((a, b) => a.latitude - b.latitude)
    expect(await store.events.placesOf({cameraIds: [], coreIds: [], requestIds: []})).toEqual([])
    expect(sorted(await store.events.placesOf({cameraIds: ['cam_p1', 'cam_p1', 'cam_none'], coreIds: ['core_places'], requestIds: []}))).toEqual([
      {latitude: 41.8, longitude: -87.6},
      {latitude: 41.9, longitude: -87.7},
    ])
    expect(await store.events.requestingAgencies([])).toEqual([])
    expect(await store.events.requestingAgencies(['acc_places', 'req_none'])).toEqual([agency.id])
  })
})

describe.each(BACKENDS)('event hub on %s', (backend) => {
  let opened: OpenedStore<SqliteStore | PgStore>
  let hub: InProcessEventHub
  beforeAll(async () => {
    opened = await openBackend(backend)
    hub = new InProcessEventHub(opened.store, () => new Date(NOW), () => undefined)
  })
  afterAll(() => opened?.close())

  it('numbers and delivers events in the order they were published, and replays them after an id', async () => {
    const heard: RtccEvent[] = []
    const stop = hub.subscribe((e) => heard.push(e))
    const published = await Promise.all(Array.from({length: 20}, (_, n) => hub.publish({type: 'test.order', data: {n}})))
    stop()
    expect(published.map((e) => e.data.n)).toEqual([...Array(20).keys()])
    expect(published.map((e) => e.id)).toEqual([...published.map((e) => e.id)].sort((a, b) => a - b))
    expect(heard).toEqual(published)
    expect(await hub.replay(published[9]!.id)).toEqual(published.slice(10))
    expect(hub.subscriberCount()).toBe(0)
  })

  it('stores an event published inside a transaction after it, even when the transaction rolls back', async () => {
    let publishing: Promise<RtccEvent> | undefined
    await expect(
      opened.store.transaction(async () => {
        publishing = hub.publish({type: 'test.inside', data: {}})
        throw new Error('rolled back')
      }),
    ).rejects.toThrow('rolled back')
    const event = await publishing!
    expect((await hub.replay(event.id - 1)).map((e) => e.type)).toEqual(['test.inside'])
  })
})
