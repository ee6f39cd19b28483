/**
 * The owner's devices (a phone's browser) that may sign panics. The phone makes its own Ed25519 key
 * (WebCrypto, not extractable); the owner's key, on the owner's machine, signs a statement vouching
 * for it, and may later sign its revocation. The server stores and relays both and can make neither:
 * Cores accept a device's panic only through the owner's vouching statement.
 */
import {z} from 'zod'

import {OwnerPublicKey, OwnerStatement} from './policy.js'

const IsoTime = z.iso.datetime({offset: true})
export const DeviceId = z.string().regex(/^dev_[0-9a-z]{26}$/, 'a dev_… id')
export const DeviceName = z.string().trim().min(1, 'must not be empty').max(100, 'at most 100 characters')
const RawPublicKey = OwnerPublicKey.shape.publicKey

/** How long a `rtcc owner device add` link stays usable. */
export const DEVICE_LINK_TTL_MS = 15 * 60_000

/** What the owner signs to vouch for a device key (statement type `device`). */
export const DevicePayload = z.object({deviceId: DeviceId, name: DeviceName, publicKey: RawPublicKey, vouchedAt: IsoTime})
export type DevicePayload = z.infer<typeof DevicePayload>

/** What the owner signs to take a device's key back (statement type `device-revoke`). */
export const DeviceRevokePayload = z.object({deviceId: DeviceId, keyId: z.string().min(1).max(100), revokedAt: IsoTime})
export type DeviceRevokePayload = z.infer<typeof DeviceRevokePayload>

/** A device's vouching and revocation as stored and relayed (the Core verifies both). */
export interface DeviceRecord {
  statement: OwnerStatement
  revokeStatement: OwnerStatement | null
}

/** `link`: the one-time link is out, no key yet; `keyed`: the phone sent its key, waiting for the owner to vouch. */
export type DeviceStatus = 'link' | 'keyed' | 'active' | 'revoked' | 'expired'

export interface DeviceView {
  id: string
  ownerId: string
  name: string
  status: DeviceStatus
  /** The phone's public key and its id, once the phone sent it. */
  publicKey: string | null
  keyId: string | null
  createdAt: string
  /** When the link stops working (until the phone sends its key). */
  linkExpiresAt: string
  vouchedAt: string | null
  revokedAt: string | null
}

export const DeviceAddBody = z.object({name: DeviceName})
export const DeviceKeyBody = z.object({publicKey: RawPublicKey})
export const DeviceStatementBody = z.object({statement: OwnerStatement})
