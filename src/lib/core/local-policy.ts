/**
 * Changing the Core's local policy file (policies.json, whose format src/lib/core/policies.ts
 * defines): the owner's own edit on the Core host (`rtcc policy set --config-dir`) and the Core
 * applying an owner-signed document. Both go through saveLocalPolicy, which never goes back to an
 * older version and serialises writers with a lock file, so a local edit and a document arriving at
 * the same moment cannot overwrite each other.
 */
import {closeSync, mkdirSync, openSync, rmSync, statSync} from 'node:fs'

import {CameraPolicy, type OwnerPublicKey} from '../domain/policy.js'
import {corePaths, readCoreConfig} from './config.js'
import {policyFor, readLocalPolicies, writeLocalPolicies} from './policies.js'
import {RtccError, usageError} from '../errors.js'
import {StatementError, verifyPolicyDocument} from '../policy/document.js'
import {applyPolicyChanges, type PolicyChanges} from '../policy/edit.js'

export {readLocalPolicies} from './policies.js'

/** The policy the Core enforces for a camera: the saved one, or share nothing. */
export const localPolicy = (configDir: string, cameraId: string, now = new Date()): CameraPolicy => policyFor(readLocalPolicies(configDir), cameraId, now)

/** A camera attached to the Core at configDir, by id or by name (case-insensitive). */
export function localCamera(configDir: string, idOrName: string): {id: string; name: string} {
  const cameras = readCoreConfig(configDir).cameras
  const found = cameras.find((c) => c.id === idOrName) ?? cameras.filter((c) => c.name.toLowerCase() === idOrName.toLowerCase()).at(0)
  if (!found) throw usageError(`no camera "${idOrName}" on the Core in ${configDir}`, `This Core has: ${cameras.map((c) => `${c.id} (${c.name})`).join(', ') || 'no cameras'}.`)
  return {id: found.id, name: found.name}
}

const LOCK_WAIT_MS = 5_000
const LOCK_STALE_MS = 30_000

/** Runs fn holding `policies.json.lock` (created with O_EXCL); a lock left by a crashed writer expires. */
function withLock<T>(configDir: string, fn: () => T): T {
  const lock = `${corePaths(configDir).policies}.lock`
  const deadline = Date.now() + LOCK_WAIT_MS
  for (;;) {
    try {
      closeSync(openSync(lock, 'wx', 0o600))
      break
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      const age = Date.now() - (statSync(lock, {throwIfNoEntry: false})?.mtimeMs ?? Date.now())
      if (age > LOCK_STALE_MS) rmSync(lock, {force: true})
      else if (Date.now() > deadline) throw new RtccError(`${lock} is held by another writer`, {code: 'locked', where: lock, hint: 'Try again in a moment; remove the lock file if no rtcc process is running.'})
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 25)
    }
  }
  try {
    return fn()
  } finally {
    rmSync(lock, {force: true})
  }
}

/** Saves a camera's policy, refusing one that is not newer than the saved one. */
export function saveLocalPolicy(configDir: string, policy: CameraPolicy): CameraPolicy {
  const valid = CameraPolicy.parse(policy)
  mkdirSync(configDir, {recursive: true, mode: 0o700})
  return withLock(configDir, () => {
    const all = readLocalPolicies(configDir)
    const current = all[valid.cameraId]
    if (current && valid.version <= current.version)
      throw new StatementError('stale', `camera ${valid.cameraId} already has policy version ${current.version}; version ${valid.version} is not newer`)
    writeLocalPolicies(configDir, {...all, [valid.cameraId]: valid})
    return valid
  })
}

/**
 * The Core's step for a document from the owner: verify it (signed by this owner with a trusted key),
 * then save it if it is newer than the policy held. Throws StatementError otherwise.
 */
export function applyPolicyDocument(configDir: string, doc: unknown, ownerPublicKeys: readonly OwnerPublicKey[], options: {ownerId: string}): CameraPolicy {
  return saveLocalPolicy(configDir, verifyPolicyDocument(doc, ownerPublicKeys, {ownerId: options.ownerId}))
}

/** `rtcc policy set --config-dir` on the Core host: the owner's own edit, straight into the policy file. */
export function editLocalPolicy(configDir: string, camera: string, changes: PolicyChanges, now = new Date()): CameraPolicy {
  const {id} = localCamera(configDir, camera)
  return saveLocalPolicy(configDir, applyPolicyChanges(localPolicy(configDir, id, now), changes, now))
}

/** `rtcc policy show --config-dir`: every camera on the Core with the policy it enforces. */
export function showLocalPolicies(configDir: string, camera?: string, now = new Date()): {cameraId: string; cameraName: string; policy: CameraPolicy}[] {
  const policies = readLocalPolicies(configDir)
  const cameras = camera ? [localCamera(configDir, camera)] : readCoreConfig(configDir).cameras
  return cameras.map((c) => ({cameraId: c.id, cameraName: c.name, policy: policyFor(policies, c.id, now)}))
}
