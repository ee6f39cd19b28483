/**
 * The owner's devices: a one-time link (its hash), the key the phone sent, the device's own access
 * token (its hash), and the owner's signed vouching and revocation, kept as signed.
 */
import type {DeviceRecord, DeviceStatus, DeviceView} from '../domain/device.js'
import {OwnerStatement} from '../domain/policy.js'
import type {Db} from './db.js'

export interface DeviceRow {
  id: string
  owner_id: string
  /** The owner's account the device acts for. */
  user_id: string
  name: string
  link_hash: string | null
  link_expires_at: string
  public_key: string | null
  key_id: string | null
  token_hash: string | null
  statement: string | null
  vouched_at: string | null
  revoke_statement: string | null
  revoked_at: string | null
  created_at: string
}

function statusOf(r: DeviceRow, now: Date): DeviceStatus {
  if (r.revoked_at) return 'revoked'
  if (r.vouched_at) return 'active'
  if (r.public_key) return 'keyed'
  return r.link_expires_at > now.toISOString() ? 'link' : 'expired'
}

export const toDeviceView = (r: DeviceRow, now: Date): DeviceView => ({
  id: r.id,
  ownerId: r.owner_id,
  name: r.name,
  status: statusOf(r, now),
  publicKey: r.public_key,
  keyId: r.key_id,
  createdAt: r.created_at,
  linkExpiresAt: r.link_expires_at,
  vouchedAt: r.vouched_at,
  revokedAt: r.revoked_at,
})

export const toDeviceRecord = (r: DeviceRow): DeviceRecord => ({
  statement: OwnerStatement.parse(JSON.parse(r.statement!)),
  revokeStatement: r.revoke_statement === null ? null : OwnerStatement.parse(JSON.parse(r.revoke_statement)),
})

export interface NewDevice {
  id: string
  ownerId: string
  userId: string
  name: string
  linkHash: string
  linkExpiresAt: string
  now: string
}

export function insertDevice(db: Db, d: NewDevice): DeviceRow {
  db.prepare('INSERT INTO owner_devices (id, owner_id, user_id, name, link_hash, link_expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(d.id, d.ownerId, d.userId, d.name, d.linkHash, d.linkExpiresAt, d.now)
  return getDevice(db, d.id)!
}

export function getDevice(db: Db, id: string): DeviceRow | undefined {
  return db.prepare('SELECT * FROM owner_devices WHERE id = ?').get(id) as DeviceRow | undefined
}

export function deviceByLink(db: Db, linkHash: string): DeviceRow | undefined {
  return db.prepare('SELECT * FROM owner_devices WHERE link_hash = ?').get(linkHash) as DeviceRow | undefined
}

export function deviceByToken(db: Db, tokenHash: string): DeviceRow | undefined {
  return db.prepare('SELECT * FROM owner_devices WHERE token_hash = ?').get(tokenHash) as DeviceRow | undefined
}

/** The phone's key, once: spends the link. Undefined if the link was spent meanwhile. */
export function setDeviceKey(db: Db, id: string, k: {publicKey: string; keyId: string; tokenHash: string}): DeviceRow | undefined {
  const changed = db.prepare('UPDATE owner_devices SET public_key = ?, key_id = ?, token_hash = ?, link_hash = NULL WHERE id = ? AND public_key IS NULL AND link_hash IS NOT NULL').run(k.publicKey, k.keyId, k.tokenHash, id).changes
  return changed ? getDevice(db, id) : undefined
}

export function vouchDevice(db: Db, id: string, statement: OwnerStatement, vouchedAt: string): DeviceRow | undefined {
  const changed = db.prepare('UPDATE owner_devices SET statement = ?, vouched_at = ? WHERE id = ? AND public_key IS NOT NULL AND statement IS NULL AND revoked_at IS NULL').run(JSON.stringify(statement), vouchedAt, id).changes
  return changed ? getDevice(db, id) : undefined
}

/** Ends the device: its token stops, and (when vouched) the owner's signed revocation goes to the Cores. */
export function revokeDevice(db: Db, id: string, statement: OwnerStatement | null, revokedAt: string): DeviceRow | undefined {
  const changed = db.prepare('UPDATE owner_devices SET revoke_statement = ?, revoked_at = ?, token_hash = NULL, link_hash = NULL WHERE id = ? AND revoked_at IS NULL').run(statement && JSON.stringify(statement), revokedAt, id).changes
  return changed ? getDevice(db, id) : undefined
}

export function listDevices(db: Db, ownerId: string): DeviceRow[] {
  return db.prepare('SELECT * FROM owner_devices WHERE owner_id = ? ORDER BY created_at, id').all(ownerId) as DeviceRow[]
}

/** Every device the owner vouched for (revoked ones too, with their revocation): what the Cores get. */
export function vouchedDevices(db: Db, ownerId: string): DeviceRecord[] {
  const rows = db.prepare('SELECT * FROM owner_devices WHERE owner_id = ? AND statement IS NOT NULL ORDER BY created_at, id').all(ownerId) as DeviceRow[]
  return rows.map(toDeviceRecord)
}
