/**
 * Device keys the owner vouches for: a `device` statement signed with the owner's own key names a
 * phone's public key; a `device-revoke` statement, also signed with the owner's key, takes it back.
 * Only the owner's keys count here (a device cannot vouch for another), and a device key is trusted
 * only for panics and their clears (`panicKeys`), never for policies or approvals.
 */
import {DevicePayload, type DeviceRecord, DeviceRevokePayload} from '../domain/device.js'
import type {OwnerPublicKey} from '../domain/policy.js'
import {openStatement, type OwnerKeyPair, ownerKeyId, signStatement, StatementError} from './document.js'

export const signDeviceVouch = (payload: DevicePayload, ownerKey: OwnerKeyPair) => signStatement('device', DevicePayload.parse(payload), ownerKey)
export const signDeviceRevoke = (payload: DeviceRevokePayload, ownerKey: OwnerKeyPair) => signStatement('device-revoke', DeviceRevokePayload.parse(payload), ownerKey)

export const deviceKeyOf = (ownerId: string, publicKey: string): OwnerPublicKey => ({ownerId, keyId: ownerKeyId(publicKey), publicKey})

/** The device a vouching statement names, checked against the owner's own keys. */
export function verifyDeviceVouch(statement: unknown, ownerKeys: readonly OwnerPublicKey[], options: {ownerId: string}): DevicePayload {
  return openStatement(statement, 'device', DevicePayload, ownerKeys, options)
}

/** The revocation, checked against the owner's own keys and the device it must name. */
export function verifyDeviceRevoke(statement: unknown, ownerKeys: readonly OwnerPublicKey[], device: DevicePayload, options: {ownerId: string}): DeviceRevokePayload {
  const revoke = openStatement(statement, 'device-revoke', DeviceRevokePayload, ownerKeys, options)
  if (revoke.deviceId !== device.deviceId || revoke.keyId !== ownerKeyId(device.publicKey))
    throw new StatementError('mismatch', `the revocation names device ${revoke.deviceId} key ${revoke.keyId}, not ${device.deviceId} key ${ownerKeyId(device.publicKey)}`)
  return revoke
}

export interface DeviceKeys {
  /** Device keys vouched for and not revoked. */
  keys: OwnerPublicKey[]
  /** Key ids the owner revoked (signed revocations seen in these records). */
  revoked: string[]
  rejected: string[]
}

/**
 * The device keys to trust for panics: each record's vouching verified with the owner's keys, minus
 * keys revoked here or in `alreadyRevoked` (a Core remembers revocations, so a server that later
 * leaves one out does not bring the key back).
 */
export function deviceKeys(records: readonly DeviceRecord[], ownerKeys: readonly OwnerPublicKey[], options: {ownerId: string; alreadyRevoked?: ReadonlySet<string>}): DeviceKeys {
  const out: DeviceKeys = {keys: [], revoked: [], rejected: []}
  for (const record of records) {
    try {
      const device = verifyDeviceVouch(record.statement, ownerKeys, options)
      const key = deviceKeyOf(options.ownerId, device.publicKey)
      if (record.revokeStatement) {
        verifyDeviceRevoke(record.revokeStatement, ownerKeys, device, options)
        out.revoked.push(key.keyId)
      } else if (!options.alreadyRevoked?.has(key.keyId)) out.keys.push(key)
    } catch (error) {
      out.rejected.push(`device: ${(error as Error).message}`)
    }
  }
  return out
}

/** The keys a panic may be signed with: the owner's own, and the devices they vouched for. */
export const panicKeys = (ownerKeys: readonly OwnerPublicKey[], devices: DeviceKeys): OwnerPublicKey[] => [...ownerKeys, ...devices.keys]
