/**
 * The request and custody services on both stores: a canvass, answers by token and by session,
 * cancel, remind, expiry (a server action with its own audit record) and the custody document, with
 * the server's parts (audit log, event hub, mailer) replaced by recorders.
 */
import {createHash, generateKeyPairSync} from 'node:crypto'
import {createReadStream} from 'node:fs'
import {join} from 'node:path'
import type {Readable} from 'node:stream'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {AuditInput} from '../../src/lib/audit/log.js'
import type {PublishInput} from '../../src/lib/domain/events.js'
import type {FootageRequestMail} from '../../src/lib/mail/footage-request.js'
import type {Role} from '../../src/lib/domain/roles.js'
import type {Actor, ServerContext} from '../../src/lib/server/context.js'
import type {HttpError} from '../../src/lib/server/http-error.js'
import type {AuditFacts, ServiceContext} from '../../src/lib/services/context.js'
import {custodyDocument, downloadEvidence, uploadEvidence} from '../../src/lib/services/evidence.js'
import * as requests from '../../src/lib/services/requests.js'
import type {NearCamera} from '../../src/lib/store/cameras.js'
import type {PgStore} from '../../src/lib/store/postgres/pg-store.js'
import type {SqliteStore} from '../../src/lib/store/sqlite-store.js'
import type {Store} from '../../src/lib/store/store.js'
import {filesOnDisk, makeTestVideo, openStore, tempDir} from '../evidence/helpers.js'
import {BACKENDS, openBackend, type OpenedStore} from '../store/backends.js'

const SQUARE = {type: 'Polygon', coordinates: [[[-87.7, 41.8], [-87.6, 41.8], [-87.6, 41.9], [-87.7, 41.9], [-87.7, 41.8]]]} as const
const {privateKey: signingKey} = generateKeyPairSync('ed25519')
const HOUR = 3600_000

const camera = (id: string, ownerId: string, latitude: number, over: Record<string, unknown> = {}) =>
  ({camera: {id, name: `Camera ${id}`, ownerId, latitude, longitude: -87.65, viewDirection: null, fieldOfView: null, records: true, retentionDays: 30, ...over}, distanceMetres: 0}) as unknown as NearCamera

const sha256Of = async (stream: Readable) => {
  const hash = createHash('sha256')
  for await (const chunk of stream) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

const failure = async (promise: Promise<unknown>) => (await promise.then(() => undefined, (error: HttpError) => error))!

describe.each(BACKENDS)('request services on %s', (backend) => {
  let opened: OpenedStore<SqliteStore | PgStore>
  let store: Store
  let now = new Date('2026-12-03T12:00:00.000Z')
  const records: AuditInput[] = []
  const events: PublishInput[] = []
  const mails: FootageRequestMail[] = []
  let hits: NearCamera[] = []
  let server: ServerContext
  let investigator: Actor
  let otherAgency: Actor
  let ownerA: Actor
  let ownerAId: string
  let ownerBId: string
  const files = tempDir('rtcc-services-')
  let video: string

  /** One API call's context, the way route.ts builds it: the facts noted, one audited transaction. */
  function call(action: string, actor?: Actor): ServiceContext {
    const noted: AuditFacts = {}
    const note = (facts: AuditFacts) => Object.assign(noted, Object.fromEntries(Object.entries(facts).filter(([, v]) => v !== undefined)))
    return {
      ...server,
      note,
      audited: (fn, facts) =>
        store.transaction(async () => {
          const result = await fn()
          if (facts) note(typeof facts === 'function' ? facts(result) : facts)
          server.audit.append({action, actorName: actor?.user.username ?? noted.subject?.name, role: actor?.role ?? noted.subject?.role, outcome: 'allowed', target: noted.target, detail: noted.detail})
          return result
        }),
    }
  }

  async function user(username: string, role: Role, agencyId: string | null = null): Promise<Actor> {
    const id = `usr_${username}`
    const row = {id, username, display_name: null, role, password_hash: 'x', disabled: 0, locked_at: null, locked_until: null, mfa_secret: null, mfa_pending_secret: null, mfa_required: 0, mfa_last_step: null, agency_id: agencyId, created_at: now.toISOString(), updated_at: now.toISOString()}
    const insert = 'INSERT INTO users (id, username, role, password_hash, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)'
    const values = [id, username, role, 'x', now.toISOString()]
    if (opened.store.backend === 'postgres') await (opened.store as PgStore).pool.query(insert, values)
    else (opened.store as SqliteStore).db.prepare(insert.replace(/\$\d/g, '?')).run(...values, now.toISOString())
    return {user: row, role, via: 'session', credentialId: 'ses_x', expiresAt: '2027-01-01T00:00:00.000Z', scope: 'full'}
  }

  beforeAll(async () => {
    opened = await openBackend(backend)
    // The registry's radius search is another area's repository: here it answers with fixed hits.
    const target = opened.store as unknown as Store
    store = new Proxy(target, {
      get: (object, key) => {
        if (key === 'cameras') return {nearCameras: async () => hits}
        const value = Reflect.get(object, key, object) as unknown
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(object) : value
      },
    })
    server = {
      store,
      audit: {append: (input: AuditInput) => void records.push(input), afterCommit: () => undefined},
      events: {publish: (input: PublishInput) => void events.push(input)},
      mailer: {sendFootageRequest: async (mail: FootageRequestMail) => (mails.push(mail), {transport: 'outbox', messageId: `m${mails.length}`})},
      evidence: (await openStore(files.dir)).store,
      url: 'https://rtcc.test',
      secrets: {origin: 'rtcc.test/audit', fingerprint: 'AA:BB', signingKey},
      now: () => now,
    } as unknown as ServerContext
    const alpha = await store.agencies.insertAgency('Alpha PD', SQUARE as never)
    const bravo = await store.agencies.insertAgency('Bravo PD', SQUARE as never)
    investigator = await user('ines', 'investigator', alpha.id)
    otherAgency = await user('olga', 'investigator', bravo.id)
    ownerA = await user('shop-a', 'owner')
    ownerAId = (await store.owners.insertOwner({displayName: 'Shop A', organisation: 'A Ltd', email: 'a@example.org', phone: null, postalAddress: null, preferredContact: 'email'}, {userId: ownerA.user.id, verified: true})).id
    video = makeTestVideo(join(files.dir, 'clip.mp4'), {seconds: 1})
    ownerBId = (await store.owners.insertOwner({displayName: 'Shop B', organisation: null, email: 'b@example.org', phone: null, postalAddress: null, preferredContact: 'email'}, {verified: true})).id
  })
  afterAll(async () => {
    await opened?.close()
    files.cleanup()
  })

  const window = {from: '2026-12-03T01:00:00.000Z', to: '2026-12-03T02:00:00.000Z'}
  const canvass = (caseId: string, over: Record<string, unknown> = {}) =>
    requests.issueCanvass(call('request.issue', investigator), investigator, {
      latitude: 41.85, longitude: -87.65, radius: 300, caseId, reason: 'burglary at the corner', expiresInSeconds: 7 * 86_400, dryRun: false, source: '10.0.0.1', ...window, ...over,
    } as never)
  const tokenOf = (requestId: string) => mails.filter((m) => m.requestId === requestId).at(-1)!.token

  it('issues one request per owner, mails each, and marks them delivered with a server record', async () => {
    hits = [camera('cam_a1', ownerAId, 41.8501), camera('cam_a2', ownerAId, 41.8502), camera('cam_b1', ownerBId, 41.8499), camera('cam_off', ownerBId, 41.85, {records: false})]
    const dry = await canvass('CASE-DRY', {dryRun: true})
    expect(dry.requests.map((r) => [r.ownerId, r.cameras.length])).toEqual([[ownerAId, 2], [ownerBId, 1]])
    expect(await store.requests.listRequestRows({caseId: 'CASE-DRY'})).toEqual([])
    const before = records.length
    const result = await canvass('CASE-1')
    expect(result.skipped).toEqual([{cameraId: 'cam_off', name: 'Camera cam_off', ownerId: ownerBId, reason: 'does not record'}])
    expect(result.requests.map((r) => [r.owner?.displayName, r.status, r.agency, (r as {mail?: {to?: string}}).mail?.to])).toEqual([
      ['Shop A', 'delivered', 'Alpha PD', 'a@example.org'],
      ['Shop B', 'delivered', 'Alpha PD', 'b@example.org'],
    ])
    expect(records.slice(before).map((r) => [r.action, r.actorName ?? null])).toEqual([
      ['request.issue', 'ines'],
      ['request.delivered', 'rtcc server'],
      ['request.delivered', 'rtcc server'],
    ])
    expect(records.at(-1)).toMatchObject({role: 'system', source: 'server', target: result.requests[1]!.id, detail: {transport: 'outbox', messageId: 'm2', reminder: false}})
    expect(events.filter((e) => e.type === 'request.issued')).toHaveLength(2)
  })

  it('an owner answers with the mailed token: view, then decline; the token then stops working', async () => {
    const [a] = await store.requests.listRequestRows({caseId: 'CASE-1', ownerId: ownerAId})
    const token = tokenOf(a!.id)
    const viewed = await requests.showByToken(call('request.show'), {token}, {source: '10.0.0.2'})
    expect(viewed).toMatchObject({id: a!.id, status: 'viewed', owner: {displayName: 'Shop A', organisation: 'A Ltd'}})
    expect(records.at(-1)).toMatchObject({action: 'request.show', actorName: `token holder for ${ownerAId}`, role: 'owner', target: a!.id})
    const declined = await requests.declineRequest(call('request.decline'), {token}, {reason: 'camera was off', source: '10.0.0.2'})
    expect(declined).toMatchObject({status: 'declined', declineReason: 'camera was off'})
    expect((await failure(requests.showByToken(call('request.show'), {token}, {source: null}))).statusCode).toBe(404)
    expect((await store.requests.timeline(a!.id)).map((e) => [e.event, e.actor.name])).toEqual([
      ['issued', 'ines'],
      ['delivered', 'rtcc server'],
      ['viewed', 'owner (email token)'],
      ['declined', 'owner (email token)'],
    ])
  })

  it('an owner answers from their session: fulfil needs a clip first; others cannot see or answer it', async () => {
    hits = [camera('cam_a1', ownerAId, 41.8501)]
    const [request] = (await canvass('CASE-2')).requests
    const id = request!.id
    expect((await failure(requests.showRequest(call('request.show', otherAgency), otherAgency, {id, source: null}))).statusCode).toBe(404)
    expect((await failure(requests.fulfilRequest(call('request.fulfil', investigator), {actor: investigator, id}, {source: null}))).statusCode).toBe(403)
    expect((await failure(requests.fulfilRequest(call('request.fulfil'), {id}, {source: null}))).statusCode).toBe(401)
    const shown = await requests.showRequest(call('request.show', investigator), investigator, {id, source: null})
    expect(shown.status).toBe('delivered')
    const mine = await requests.showRequest(call('request.show', ownerA), ownerA, {id, source: '10.0.0.3'})
    expect(mine.status).toBe('viewed')
    expect(mine.timeline?.map((e) => e.event)).toEqual(['issued', 'delivered', 'viewed'])
    expect((await requests.ownerInbox(call('request.inbox', ownerA), ownerA)).map((r) => r.id)).toContain(id)
    expect((await failure(requests.fulfilRequest(call('request.fulfil', ownerA), {actor: ownerA, id}, {source: null}))).statusCode).toBe(400)
    const custody = {uploadedBy: {id: ownerAId, role: 'owner', name: 'shop-a'}, uploadedAt: now.toISOString(), uploadedFrom: null, originalName: null, recorderClockOffsetSeconds: null, derivation: null}
    await store.evidence.insertEvidence({id: 'evd_case2', requestId: id, cameraId: 'cam_a1', parentId: null, blobId: 'evd_case2', sha256: 'ab'.repeat(32), size: 10, media: {container: 'mov,mp4,m4a,3gp,3g2,mj2', codec: 'h264', durationSeconds: 3, width: 320, height: 240, fps: 10, audioCodec: null}, encryption: {}, custody, createdAt: now.toISOString()})
    const done = await requests.fulfilRequest(call('request.fulfil', ownerA), {actor: ownerA, id}, {source: null})
    expect(done).toMatchObject({status: 'fulfilled', evidence: [{id: 'evd_case2', size: 10}]})
    expect(records.at(-1)).toMatchObject({action: 'request.fulfil', actorName: 'shop-a', target: id})
    expect((await failure(requests.declineRequest(call('request.decline', ownerA), {actor: ownerA, id}, {reason: 'x', source: null}))).code).toBe('closed')
    const document = await custodyDocument(call('evidence.custody', investigator), investigator, {case: 'CASE-2'})
    expect(document).toMatchObject({case: {id: 'CASE-2', agency: 'Alpha PD'}, files: [{id: 'evd_case2', kind: 'original', requestId: id}]})
    expect((document as unknown as {timeline: {action: string}[]}).timeline.map((e) => e.action)).toEqual(['issued', 'delivered', 'viewed', 'fulfilled'])
    expect((await failure(custodyDocument(call('evidence.custody', otherAgency), otherAgency, {case: 'CASE-2'}))).statusCode).toBe(404)
  })

  it('cancels an open request once, and reminds only open requests, rotating their token', async () => {
    hits = [camera('cam_a1', ownerAId, 41.8501), camera('cam_b1', ownerBId, 41.8499)]
    const [a, b] = (await canvass('CASE-3')).requests
    const cancelled = await requests.cancelRequest(call('request.cancel', investigator), investigator, {id: a!.id, reason: 'solved', source: null})
    expect(cancelled.status).toBe('cancelled')
    expect((await failure(requests.cancelRequest(call('request.cancel', investigator), investigator, {id: a!.id, source: null}))).code).toBe('closed')
    const oldToken = tokenOf(b!.id)
    now = new Date(now.getTime() + 3 * 24 * HOUR)
    const reminded = await requests.remindRequests(call('request.remind', investigator), investigator, {olderThanSeconds: 2 * 86_400, caseId: 'CASE-3'})
    expect(reminded.reminded.map((r) => [r.id, r.mail && 'transport' in r.mail ? r.mail.transport : r.mail])).toEqual([[b!.id, 'outbox']])
    expect(records.find((r) => r.action === 'request.remind')).toMatchObject({detail: {requests: [b!.id]}})
    const newToken = tokenOf(b!.id)
    expect(newToken).not.toBe(oldToken)
    expect((await failure(requests.showByToken(call('request.show'), {token: oldToken}, {source: null}))).statusCode).toBe(404)
    expect((await requests.showByToken(call('request.show'), {token: newToken}, {source: null})).status).toBe('viewed')
    expect((await store.requests.timeline(b!.id)).map((e) => e.event)).toEqual(['issued', 'delivered', 'reminded', 'viewed'])
  })

  it('expires open requests past their date before answering a read, each with a server record', async () => {
    hits = [camera('cam_b1', ownerBId, 41.8499)]
    const [request] = (await canvass('CASE-4', {expiresInSeconds: 3600})).requests
    now = new Date(now.getTime() + 2 * HOUR)
    const before = records.length
    const list = await requests.listRequests(call('request.list', investigator), investigator, {case: 'CASE-4', limit: 10})
    expect(list.map((r) => r.status)).toEqual(['expired'])
    expect(records.slice(before).map((r) => [r.action, r.actorName, r.target])).toEqual([
      ['request.expired', 'rtcc server', request!.id],
      ['request.list', 'ines', undefined],
    ])
    expect(events.at(-1)).toMatchObject({type: 'request.expired', severity: 'warning', ownerId: ownerBId})
    expect(await requests.expireDue(server)).toBe(0)
    expect(await requests.listRequests(call('request.list', otherAgency), otherAgency, {case: 'CASE-4', limit: 10})).toEqual([])
  })
  it('takes an upload by token into the request, then serves it back verified and records the download', async () => {
    hits = [camera('cam_a1', ownerAId, 41.8501), camera('cam_a2', ownerAId, 41.8502)]
    const [request] = (await canvass('CASE-5')).requests
    const token = tokenOf(request!.id)
    const upload = (over: Record<string, unknown>) => uploadEvidence(call('evidence.upload'), {token}, {body: createReadStream(video), source: '10.0.0.4', ...over})
    expect((await failure(upload({}))).field).toBe('camera')
    expect((await failure(upload({camera: 'cam_zz'}))).field).toBe('camera')
    expect((await failure(upload({camera: 'cam_a1', parent: 'evd_none'}))).field).toBe('parent')
    expect((await failure(uploadEvidence(call('evidence.upload'), {token}, {camera: 'cam_a1', body: undefined, source: null}))).statusCode).toBe(400)
    expect(filesOnDisk(files.dir).filter((f) => f.startsWith('blobs'))).toEqual([])
    const stored = await upload({camera: 'cam_a2', fileName: 'front.mp4', clockOffsetSeconds: 4})
    expect(stored).toMatchObject({requestId: request!.id, cameraId: 'cam_a2', parentId: null, media: {codec: 'h264', width: 320}})
    expect(records.at(-1)).toMatchObject({action: 'evidence.upload', target: stored.id, detail: {requestId: request!.id, sha256: stored.sha256, size: stored.size}})
    expect((await failure(upload({camera: 'cam_a2', parent: stored.id}))).field).toBe('tool')
    const derived = await upload({camera: 'cam_a2', parent: stored.id, tool: 'ffmpeg', toolVersion: '6', operation: 'copy', arguments: '["-c","copy"]'})
    expect(derived.parentId).toBe(stored.id)
    expect((await failure(downloadEvidence(call('evidence.download', otherAgency), otherAgency, {id: stored.id, source: null}))).statusCode).toBe(404)
    const file = await downloadEvidence(call('evidence.download', investigator), investigator, {id: stored.id, source: '10.0.0.5'})
    expect([file.sha256, file.size]).toEqual([stored.sha256, stored.size])
    expect(await sha256Of(file.stream)).toBe(stored.sha256)
    expect((await store.requests.timeline(request!.id)).map((e) => [e.event, e.target === stored.id || e.target === derived.id ? 'file' : 'request'])).toEqual([
      ['issued', 'request'],
      ['delivered', 'request'],
      ['uploaded', 'file'],
      ['derived', 'file'],
      ['downloaded', 'file'],
    ])
    const custody = await custodyDocument(call('evidence.custody', investigator), investigator, {request: request!.id})
    expect(custody.files.map((f) => [f.kind, f.uploadedFrom, f.recorderClockOffsetSeconds])).toEqual([
      ['original', '10.0.0.4', 4],
      ['derived', '10.0.0.4', null],
    ])
  })
})
