/**
 * The owner's signed statements as the Core receives them over the link, verified here with the owner
 * key the Core holds (set on the Core host, never taken from the server): policy documents go into
 * the local policy file; panics and approvals become the grants decide() sees. Nothing the server
 * says without the owner's signature opens anything, and a panic the Core has once seen cleared
 * stays cleared even if the server later leaves the clear out. Panics may also be signed by a device
 * key the owner vouched for (a `device` statement, checked with the owner key); a device key the Core
 * has once seen revoked stays revoked, across restarts too (kept in `revoked-devices.json`: a server that
 * leaves the revocation out after a Core restart must not revive a lost phone).
 */
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import type {CoreConfig, CoreToServer, ServerToCore} from '../domain/core.js'
import type {PolicyContext} from '../domain/policy.js'
import {approvalContext, panicContext, StatementError, trustedOwnerKeys, type VerifiedPanic, verifyPanic} from '../policy/document.js'
import {deviceKeys, panicKeys} from '../policy/device.js'
import {writePrivateFile} from './config.js'
import {applyPolicyDocument} from './local-policy.js'
import type {OwnerGrants} from './decision.js'

type Statements = Extract<ServerToCore, {type: 'owner.statements'}>
type DocumentResult = Extract<CoreToServer, {type: 'documents.applied'}>['results'][number]

export interface StatementsOutcome {
  documents: DocumentResult[]
  panics: number
  approvals: number
  rejected: string[]
}

export const REVOKED_DEVICES_FILE = 'revoked-devices.json'

export class StatementGrants implements OwnerGrants {
  private panics: VerifiedPanic[] = []
  private readonly cleared = new Map<string, string>()
  private revokedDevices?: Set<string>
  private approvalsByCamera = new Map<string, NonNullable<PolicyContext['approvals']>>()

  panic(_cameraId: string, at: Date): PolicyContext['panic'] {
    const t = at.getTime()
    const active = this.panics
      .map((p) => {
        const clearedAt = this.cleared.get(p.panicId)
        return clearedAt && Date.parse(clearedAt) < Date.parse(p.until) ? {...p, until: clearedAt} : p
      })
      .filter((p) => Date.parse(p.startedAt) <= t && Date.parse(p.until) > t)
      .sort((a, b) => Date.parse(b.until) - Date.parse(a.until))
    return panicContext(active[0] ?? null)
  }

  approvals(cameraId: string): NonNullable<PolicyContext['approvals']> {
    return this.approvalsByCamera.get(cameraId) ?? []
  }

  /** Verifies and takes in a set of statements; applies policy documents to the local policy file. */
  receive(dir: string, config: CoreConfig, statements: Statements): StatementsOutcome {
    const keys = trustedOwnerKeys(config.ownerId, config.ownerPolicyKey)
    const rejected: string[] = []
    const documents = statements.policyDocuments.map(({id, statement}): DocumentResult => {
      try {
        applyPolicyDocument(dir, statement, keys, {ownerId: config.ownerId})
        return {id, outcome: 'applied', detail: null}
      } catch (error) {
        const stale = error instanceof StatementError && error.problem === 'stale'
        if (!stale) rejected.push(`policy document ${id}: ${(error as Error).message}`)
        return {id, outcome: stale ? 'stale' : 'rejected', detail: (error as Error).message.slice(0, 500)}
      }
    })

    const revokedFile = join(dir, REVOKED_DEVICES_FILE)
    const revoked = (this.revokedDevices ??= new Set(existsSync(revokedFile) ? (JSON.parse(readFileSync(revokedFile, 'utf8')) as string[]) : []))
    const devices = deviceKeys(statements.devices as Parameters<typeof deviceKeys>[0], keys, {ownerId: config.ownerId, alreadyRevoked: revoked})
    const newlyRevoked = devices.revoked.filter((keyId) => !revoked.has(keyId))
    for (const keyId of newlyRevoked) revoked.add(keyId)
    if (newlyRevoked.length > 0) writePrivateFile(revokedFile, JSON.stringify([...revoked]) + '\n')
    rejected.push(...devices.rejected)
    const signers = panicKeys(keys, devices)
    const panics: VerifiedPanic[] = []
    for (const record of statements.panics) {
      try {
        const panic = verifyPanic(record as Parameters<typeof verifyPanic>[0], signers, {ownerId: config.ownerId})
        if (panic.clearedAt) this.cleared.set(panic.panicId, panic.clearedAt)
        panics.push(panic)
      } catch (error) {
        rejected.push(`panic: ${(error as Error).message}`)
      }
    }
    this.panics = panics

    const cameras = new Set(config.cameras.map((c) => c.id))
    const byCamera = new Map<string, NonNullable<PolicyContext['approvals']>>()
    for (const cameraId of new Set(statements.approvals.map((a) => a.cameraId))) {
      if (!cameras.has(cameraId)) continue
      const records = statements.approvals.filter((a) => a.cameraId === cameraId)
      const {approvals, rejected: bad} = approvalContext(records as Parameters<typeof approvalContext>[0], keys, {ownerId: config.ownerId, cameraId})
      byCamera.set(cameraId, approvals)
      rejected.push(...bad.map((b) => `approval ${b.requestId}: ${b.error}`))
    }
    this.approvalsByCamera = byCamera
    return {documents, panics: panics.length, approvals: [...byCamera.values()].reduce((n, a) => n + a.length, 0), rejected}
  }
}
