/** The owner's devices on PostgreSQL (see ../devices.ts). */
import type {DeviceRecord} from '../../domain/device.js'
import type {OwnerStatement} from '../../domain/policy.js'
import {type DeviceRow, type NewDevice, toDeviceRecord} from '../devices.js'
import {all, one, type Pg} from './pg.js'

export async function insertDevice(db: Pg, d: NewDevice): Promise<DeviceRow> {
  const row = await one<DeviceRow>(db, 'INSERT INTO owner_devices (id, owner_id, user_id, name, link_hash, link_expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *', [
    d.id, d.ownerId, d.userId, d.name, d.linkHash, d.linkExpiresAt, d.now,
  ])
  return row!
}

export const getDevice = (db: Pg, id: string): Promise<DeviceRow | undefined> => one<DeviceRow>(db, 'SELECT * FROM owner_devices WHERE id = $1', [id])
export const deviceByLink = (db: Pg, linkHash: string): Promise<DeviceRow | undefined> => one<DeviceRow>(db, 'SELECT * FROM owner_devices WHERE link_hash = $1', [linkHash])
export const deviceByToken = (db: Pg, tokenHash: string): Promise<DeviceRow | undefined> => one<DeviceRow>(db, 'SELECT * FROM owner_devices WHERE token_hash = $1', [tokenHash])

export const setDeviceKey = (db: Pg, id: string, k: {publicKey: string; keyId: string; tokenHash: string}): Promise<DeviceRow | undefined> =>
  one<DeviceRow>(db, 'UPDATE owner_devices SET public_key = $2, key_id = $3, token_hash = $4, link_hash = NULL WHERE id = $1 AND public_key IS NULL AND link_hash IS NOT NULL RETURNING *', [
    id, k.publicKey, k.keyId, k.tokenHash,
  ])

export const vouchDevice = (db: Pg, id: string, statement: OwnerStatement, vouchedAt: string): Promise<DeviceRow | undefined> =>
  one<DeviceRow>(db, 'UPDATE owner_devices SET statement = $2, vouched_at = $3 WHERE id = $1 AND public_key IS NOT NULL AND statement IS NULL AND revoked_at IS NULL RETURNING *', [
    id, JSON.stringify(statement), vouchedAt,
  ])

export const revokeDevice = (db: Pg, id: string, statement: OwnerStatement | null, revokedAt: string): Promise<DeviceRow | undefined> =>
  one<DeviceRow>(db, 'UPDATE owner_devices SET revoke_statement = $2, revoked_at = $3, token_hash = NULL, link_hash = NULL WHERE id = $1 AND revoked_at IS NULL RETURNING *', [
    id, statement && JSON.stringify(statement), revokedAt,
  ])

export const listDevices = (db: Pg, ownerId: string): Promise<DeviceRow[]> => all<DeviceRow>(db, 'SELECT * FROM owner_devices WHERE owner_id = $1 ORDER BY created_at, id', [ownerId])

export async function vouchedDevices(db: Pg, ownerId: string): Promise<DeviceRecord[]> {
  return (await all<DeviceRow>(db, 'SELECT * FROM owner_devices WHERE owner_id = $1 AND statement IS NOT NULL ORDER BY created_at, id', [ownerId])).map(toDeviceRecord)
}
