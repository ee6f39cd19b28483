/**
 * The owner key a Core trusts for signed policies, panics and approvals. It is set on the Core host
 * only: at provisioning (from the server, checked against the key id the owner reads out from
 * `rtcc policy key`) or here by hand. The server can never change it, or it could sign for the owner.
 */
import {OwnerPublicKey} from '../domain/policy.js'
import {usageError} from '../errors.js'
import {ownerKeyId} from '../policy/document.js'
import {readCoreConfig, writeCoreConfig} from './config.js'

export function setOwnerKey(dir: string, publicKey: string): {ownerId: string; keyId: string; previousKeyId: string | null} {
  const parsed = OwnerPublicKey.shape.publicKey.safeParse(publicKey.trim())
  if (!parsed.success) throw usageError(`--key: ${parsed.error.issues[0]!.message}`, 'Copy the "public key" line that `rtcc policy key` prints on the owner\'s computer.')
  const config = readCoreConfig(dir)
  writeCoreConfig(dir, {...config, ownerPolicyKey: parsed.data})
  return {ownerId: config.ownerId, keyId: ownerKeyId(parsed.data), previousKeyId: config.ownerPolicyKey && ownerKeyId(config.ownerPolicyKey)}
}
