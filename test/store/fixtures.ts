/** Rows the owner-control parity tests need from other areas' tables (cameras, users, audit records), written as plain SQL on either backend. */
import {leafJson, type AuditOutcome} from '../../src/lib/audit/record.js'
import type {PgStore} from '../../src/lib/store/postgres/pg-store.js'
import type {SqliteStore} from '../../src/lib/store/sqlite-store.js'
import {sql} from '../helpers/sql.js'

export async function addOwner(store: SqliteStore | PgStore, name: string) {
  return store.owners.insertOwner({displayName: name, organisation: null, email: `${name.toLowerCase()}@example.org`, phone: null, postalAddress: null, preferredContact: 'email'}, {verified: true})
}

export async function addCamera(store: SqliteStore | PgStore, ownerId: string, id: string, name = id): Promise<void> {
  const now = '2026-12-01T00:00:00.000Z'
  await sql(
    store,
    `INSERT INTO cameras (id, owner_id, source, external_id, name, latitude, longitude, location_type, records, live_capable, created_at, updated_at)
     VALUES (?, ?, 'test', ?, ?, 41.85, -87.65, 'business', 1, 1, ?, ?)`,
    [id, ownerId, id, name, now, now],
  )
}

export async function addUser(store: SqliteStore | PgStore, id: string, username: string, agencyId: string | null = null): Promise<void> {
  const now = '2026-12-01T00:00:00.000Z'
  await sql(store, `INSERT INTO users (id, username, role, password_hash, agency_id, created_at, updated_at) VALUES (?, ?, 'investigator', 'x', ?, ?, ?)`, [id, username, agencyId, now, now])
}

let seq = 0
/** An audit record as the log would hold it (its hash is not checked here). */
export async function addAuditRecord(
  store: SqliteStore | PgStore,
  r: {time: string; actorId: string | null; actorName: string; action: string; target: string; outcome?: string; detail?: Record<string, unknown>},
): Promise<void> {
  seq += 1
  const leaf = leafJson({
    seq,
    id: `aud_${seq}`,
    time: r.time,
    actorId: r.actorId,
    actorName: r.actorName,
    role: 'investigator',
    action: r.action,
    target: r.target,
    outcome: (r.outcome ?? 'allowed') as AuditOutcome,
    source: null,
    requestId: null,
    bytesIn: null,
    bytesOut: null,
    detail: r.detail ?? null,
  })
  await sql(store, 'INSERT INTO audit_records (seq, leaf, leaf_hash) VALUES (?, ?, ?)', [seq, leaf, Buffer.alloc(32, seq)])
}
