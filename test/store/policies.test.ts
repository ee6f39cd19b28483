import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {type CameraPolicy, defaultPolicy, STATEMENT_FORMAT, type OwnerStatement} from '../../src/lib/domain/policy.js'
import type {PgStore} from '../../src/lib/store/postgres/pg-store.js'
import type {SqliteStore} from '../../src/lib/store/sqlite-store.js'
import {BACKENDS, openBackend, type OpenedStore} from './backends.js'
import {addCamera, addOwner} from './fixtures.js'

// The store keeps documents as signed; verifying them is policy/document.ts's job.
const document = (ownerId: string, version: number): OwnerStatement => ({format: STATEMENT_FORMAT, type: 'policy', ownerId, keyId: 'key_1', payload: JSON.stringify({version}), signature: 'A'.repeat(86)})
const policy = (cameraId: string, version: number, live: CameraPolicy['live']['mode'] = 'always'): CameraPolicy => ({
  ...defaultPolicy(cameraId, new Date('2026-12-01T00:00:00.000Z')),
  live: {mode: live, schedule: [{days: [1, 2], from: '22:00', to: '06:00'}]},
  recorded: {mode: 'approval'},
  timeZone: 'America/Chicago',
  version,
})
const PUBLIC_KEY = 'B'.repeat(43)

describe.each(BACKENDS)('owner keys and policies on %s', (backend) => {
  let opened: OpenedStore<SqliteStore | PgStore>
  let store: SqliteStore | PgStore
  let ownerId: string
  beforeAll(async () => {
    opened = await openBackend(backend)
    store = opened.store
    ownerId = (await addOwner(store, 'Keys')).id
    for (const id of ['cam_a', 'cam_b', 'cam_c', 'cam_d']) await addCamera(store, ownerId, id)
  })
  afterAll(() => opened?.close())

  it('keeps an owner key as registered, per owner, and refuses a key id twice', async () => {
    const other = (await addOwner(store, 'Other')).id
    expect(await store.policies.ownerKeys(ownerId)).toEqual([])
    await store.policies.insertOwnerKey({ownerId, keyId: 'key_1', publicKey: PUBLIC_KEY}, '2026-12-01T10:00:00.000Z')
    await store.policies.insertOwnerKey({ownerId: other, keyId: 'key_2', publicKey: 'C'.repeat(43)}, '2026-12-01T09:00:00.000Z')
    expect(await store.policies.ownerKeys(ownerId)).toEqual([{ownerId, keyId: 'key_1', publicKey: PUBLIC_KEY}])
    expect(await store.policies.ownerKeys(other)).toEqual([{ownerId: other, keyId: 'key_2', publicKey: 'C'.repeat(43)}])
    await expect(store.policies.insertOwnerKey({ownerId: other, keyId: 'key_1', publicKey: PUBLIC_KEY}, '2026-12-01T11:00:00.000Z')).rejects.toThrow()
    // (A second key for one owner: services/policy refuses it inside the registering transaction;
    // PostgreSQL, where two server instances may race, also has a unique index on owner_keys.owner_id.)
  })

  it.runIf(backend === 'postgres')('refuses a second key for one owner (registrations racing from two server instances)', async () => {
    await expect(store.policies.insertOwnerKey({ownerId, keyId: 'key_3', publicKey: 'D'.repeat(43)}, '2026-12-01T12:00:00.000Z')).rejects.toThrow(/owner_keys_owner/)
  })

  it('stores a document as signed, shows its whole policy, and queues only the newest for the Core', async () => {
    const first = await store.policies.insertPolicyDocument({ownerId, policy: policy('cam_a', 5), document: document(ownerId, 5), now: '2026-12-01T10:00:00.000Z'})
    expect(first).toEqual({id: first.id, cameraId: 'cam_a', ownerId, version: 5, document: document(ownerId, 5), uploadedAt: '2026-12-01T10:00:00.000Z', deliveredAt: null})
    expect(typeof first.id).toBe('number')
    const second = await store.policies.insertPolicyDocument({ownerId, policy: policy('cam_a', 7, 'emergency'), document: document(ownerId, 7), now: '2026-12-01T10:05:00.000Z'})
    await store.policies.insertPolicyDocument({ownerId, policy: policy('cam_b', 2), document: document(ownerId, 2), now: '2026-12-01T10:06:00.000Z'})
    // A version already stored for the camera is refused.
    await expect(store.policies.insertPolicyDocument({ownerId, policy: policy('cam_a', 7), document: document(ownerId, 7), now: '2026-12-01T10:07:00.000Z'})).rejects.toThrow()

    expect((await store.policies.latestPolicyDocument('cam_a'))?.id).toBe(second.id)
    expect(await store.policies.latestPolicyDocument('cam_d')).toBeUndefined()
    const shown = await store.policies.shownPolicies(['cam_a', 'cam_b', 'cam_d'])
    expect([...shown.keys()].sort()).toEqual(['cam_a', 'cam_b'])
    expect(shown.get('cam_a')).toEqual({cameraId: 'cam_a', ownerId, version: 7, live: 'emergency', recorded: 'approval', policy: policy('cam_a', 7, 'emergency'), source: 'owner-document', updatedAt: '2026-12-01T10:05:00.000Z'})

    expect((await store.policies.pendingPolicyDocuments(['cam_a', 'cam_b', 'cam_d'])).map((d) => [d.cameraId, d.version])).toEqual([
      ['cam_a', 7],
      ['cam_b', 2],
    ])
    expect([...(await store.policies.pendingVersions(['cam_a', 'cam_b']))].sort()).toEqual([
      ['cam_a', 7],
      ['cam_b', 2],
    ])
  })

  it('takes a delivered document and every older one off the queue', async () => {
    const [a] = await store.policies.pendingPolicyDocuments(['cam_a'])
    await store.policies.markPolicyDocumentsDelivered([a!.id], '2026-12-01T10:10:00.000Z')
    await store.policies.markPolicyDocumentsDelivered([], '2026-12-01T10:10:00.000Z')
    expect(await store.policies.pendingPolicyDocuments(['cam_a', 'cam_b'])).toMatchObject([{cameraId: 'cam_b', version: 2}])
    expect([...(await store.policies.pendingVersions(['cam_a', 'cam_b']))]).toEqual([['cam_b', 2]])
    expect((await store.policies.latestPolicyDocument('cam_a'))?.deliveredAt).toBe('2026-12-01T10:10:00.000Z')
  })

  it("shows what a Core reports only when it is newer than the server's copy", async () => {
    await store.policies.recordCorePolicies(
      ownerId,
      [
        {cameraId: 'cam_a', liveMode: 'never', recordedMode: 'never', version: 6},
        {cameraId: 'cam_b', liveMode: 'never', recordedMode: 'always', version: 3},
        {cameraId: 'cam_c', liveMode: 'approval', recordedMode: 'never', version: 1},
        {cameraId: 'cam_c', liveMode: 'always', recordedMode: 'always', version: 4},
        {cameraId: 'cam_c', liveMode: 'never', recordedMode: 'never', version: 2},
      ],
      '2026-12-01T11:00:00.000Z',
    )
    await store.policies.recordCorePolicies(ownerId, [], '2026-12-01T11:00:00.000Z')
    const shown = await store.policies.shownPolicies(['cam_a', 'cam_b', 'cam_c'])
    expect(shown.get('cam_a')).toMatchObject({version: 7, live: 'emergency', source: 'owner-document'})
    expect(shown.get('cam_b')).toEqual({cameraId: 'cam_b', ownerId, version: 3, live: 'never', recorded: 'always', policy: null, source: 'core', updatedAt: '2026-12-01T11:00:00.000Z'})
    expect(shown.get('cam_c')).toMatchObject({version: 4, live: 'always', recorded: 'always', policy: null, source: 'core'})
    // An owner document newer than the Core's report replaces it.
    await store.policies.insertPolicyDocument({ownerId, policy: policy('cam_b', 9), document: document(ownerId, 9), now: '2026-12-01T12:00:00.000Z'})
    expect((await store.policies.shownPolicies(['cam_b'])).get('cam_b')).toMatchObject({version: 9, source: 'owner-document', live: 'always'})
  })

  it('joins a store transaction: a failed upload leaves neither the document nor the shown policy', async () => {
    await expect(
      store.transaction(async () => {
        await store.policies.insertPolicyDocument({ownerId, policy: policy('cam_d', 3), document: document(ownerId, 3), now: '2026-12-01T13:00:00.000Z'})
        throw new Error('refused')
      }),
    ).rejects.toThrow('refused')
    expect(await store.policies.latestPolicyDocument('cam_d')).toBeUndefined()
    expect((await store.policies.shownPolicies(['cam_d'])).size).toBe(0)
  })
})
