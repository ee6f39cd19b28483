/**
 * The owner's sharing policies as the Core keeps them (policies.json, 0600), read fresh for every
 * decision so an owner's change applies at once. A camera without an entry gets defaultPolicy
 * (`never`); a file that cannot be read or parsed makes every decision a refusal (fail closed).
 */
import {createHash} from 'node:crypto'
import {existsSync} from 'node:fs'
import {z} from 'zod'

import type {CameraPolicySummary} from '../domain/core.js'
import {CameraPolicy, defaultPolicy, type SharingMode} from '../domain/policy.js'
import {corePaths, readJsonFile, writePrivateFile} from './config.js'

export const POLICIES_FORMAT = 'rtcc-core-policies'

const PoliciesFile = z.object({
  format: z.literal(POLICIES_FORMAT),
  version: z.literal(1),
  policies: z.record(z.string(), CameraPolicy),
})

export type LocalPolicies = Record<string, CameraPolicy>

export function readLocalPolicies(dir: string): LocalPolicies {
  const file = corePaths(dir).policies
  if (!existsSync(file)) return {}
  const policies = readJsonFile(file, PoliciesFile, 'policy file').policies
  for (const [cameraId, policy] of Object.entries(policies))
    if (policy.cameraId !== cameraId) throw new Error(`${file}: the policy filed under ${cameraId} is for ${policy.cameraId}`)
  return policies
}

export function writeLocalPolicies(dir: string, policies: LocalPolicies): void {
  writePrivateFile(corePaths(dir).policies, JSON.stringify(PoliciesFile.parse({format: POLICIES_FORMAT, version: 1, policies}), null, 2) + '\n')
}

export const policyFor = (policies: LocalPolicies, cameraId: string, now = new Date()): CameraPolicy => policies[cameraId] ?? defaultPolicy(cameraId, now)

/** A new camera's starting policy: the modes chosen at provisioning, else `never`. */
export function initialPolicy(cameraId: string, modes: {live?: SharingMode; recorded?: SharingMode}, now = new Date()): CameraPolicy {
  const base = defaultPolicy(cameraId, now)
  return {...base, live: {mode: modes.live ?? base.live.mode}, recorded: {mode: modes.recorded ?? base.recorded.mode}}
}

/**
 * A policy's fingerprint, the same on the Core and the server for the same policy: the schema's parse
 * fixes the key order and drops anything unknown, so the JSON is canonical.
 */
export const policyDigest = (policy: CameraPolicy): string => createHash('sha256').update(JSON.stringify(CameraPolicy.parse(policy))).digest('base64url')

/**
 * Modes, version and digest per camera for the server: it shows them and checks its own copy against
 * them; the Core enforces its own.
 */
export function policySummaries(dir: string, cameraIds: string[]): CameraPolicySummary[] {
  let policies: LocalPolicies
  try {
    policies = readLocalPolicies(dir)
  } catch {
    policies = {}
  }
  return cameraIds.map((cameraId) => {
    const policy = policyFor(policies, cameraId)
    return {cameraId, liveMode: policy.live.mode, recordedMode: policy.recorded.mode, version: policy.version, digest: policyDigest(policy)}
  })
}
