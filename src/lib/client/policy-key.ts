/**
 * The owner's signing key on the owner's machine: `owner-keys/<owner id>.pem` (PKCS#8, mode 0600) in
 * the rtcc config folder, made the first time the owner signs anything (a policy, a panic, an
 * approval) and registered with the server so it can check what the owner uploads. The private key
 * never leaves this machine.
 */
import {chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import type {Owner} from '../domain/camera.js'
import type {OwnerPublicKey} from '../domain/policy.js'
import {generateOwnerKey, ownerKeyFromPem, ownerKeyToPem, type OwnerKeyPair, publicKeyOf} from '../policy/document.js'
import {RtccError} from '../errors.js'
import type {ApiClient} from './api.js'
import {configDir} from './profiles.js'

export const ownerKeyFile = (ownerId: string): string => join(configDir(), 'owner-keys', `${ownerId}.pem`)

export function loadOwnerKey(ownerId: string): OwnerKeyPair | undefined {
  const file = ownerKeyFile(ownerId)
  if (!existsSync(file)) return undefined
  try {
    return ownerKeyFromPem(ownerId, readFileSync(file, 'utf8'))
  } catch (error) {
    throw new RtccError(`cannot read your owner key: ${(error as Error).message}`, {code: 'bad_owner_key', where: file, hint: 'Restore the file from a backup: without it you cannot sign policies, panics or approvals.'})
  }
}

function createOwnerKey(ownerId: string): OwnerKeyPair {
  const file = ownerKeyFile(ownerId)
  mkdirSync(join(configDir(), 'owner-keys'), {recursive: true, mode: 0o700})
  const key = generateOwnerKey(ownerId)
  // 'wx': never overwrite a key that appeared meanwhile.
  writeFileSync(file, ownerKeyToPem(key), {mode: 0o600, flag: 'wx'})
  chmodSync(file, 0o600)
  return key
}

export interface OwnerSigningKey {
  key: OwnerKeyPair
  file: string
  /** Made just now (first use on this machine). */
  created: boolean
  /** Registered with the server just now. */
  registered: boolean
}

/**
 * The logged-in owner's key: loaded, or made on first use, and registered with the server if it is
 * not yet. Refuses (before making anything) when the server already holds another key of this
 * owner's: that key was made on another computer, and its file belongs here.
 */
export async function ownerSigningKey(api: ApiClient): Promise<OwnerSigningKey> {
  const me = await api.get<Owner>('/v1/owners/me')
  const known = await api.get<OwnerPublicKey[]>('/v1/owner-keys')
  const file = ownerKeyFile(me.id)
  const existing = loadOwnerKey(me.id)
  if (known.length && !known.some((k) => k.keyId === existing?.keyId))
    throw new RtccError(`your owner key ${known[0]!.keyId} is registered from another computer, and ${existing ? `this computer holds a different one (${existing.keyId})` : 'it is not on this computer'}`, {
      code: 'owner_key_elsewhere',
      where: file,
      hint: `Copy ${me.id}.pem from the owner-keys folder of the computer that made it to ${file} (keep it mode 0600).`,
    })
  const key = existing ?? createOwnerKey(me.id)
  const registered = known.length === 0
  if (registered) await api.post('/v1/owner-keys', {publicKey: key.publicKey})
  return {key, file, created: !existing, registered}
}

export const ownerPublicKey = (signing: OwnerSigningKey): OwnerPublicKey => publicKeyOf(signing.key)
