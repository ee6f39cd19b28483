/**
 * Owner-signed statements: policies, panics and approvals that only the owner can make, signed with
 * the owner's Ed25519 key on the owner's machine and verified by the server (on upload) and by the
 * Core (before it acts). The server stores and relays them as they are; it holds no key that could
 * make one, so it can neither change a policy nor fake a panic or an approval.
 *
 * The signature covers "format \n type \n ownerId \n keyId \n payload", where payload is the JSON text
 * itself: a statement of one type cannot pass for another, nor for another owner.
 */
import {createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject} from 'node:crypto'
import type {z} from 'zod'

import {ApprovalPayload, type ApprovalRecord} from '../domain/access.js'
import {PanicClearPayload, PanicPayload, type PanicRecord} from '../domain/panic.js'
import {CameraPolicy, OwnerStatement, type OwnerPublicKey, type PolicyContext, type PolicyDocument, STATEMENT_FORMAT, type StatementType} from '../domain/policy.js'
import {RtccError} from '../errors.js'

export type StatementProblem = 'malformed' | 'wrong_type' | 'wrong_owner' | 'unknown_key' | 'bad_signature' | 'stale' | 'mismatch'

/** A statement that must not be acted on; `problem` says why. */
export class StatementError extends RtccError {
  constructor(
    readonly problem: StatementProblem,
    message: string,
  ) {
    super(message, {code: `statement_${problem}`})
  }
}

/** The owner's key pair, loaded on the owner's machine only. */
export interface OwnerKeyPair {
  ownerId: string
  keyId: string
  /** Raw 32-byte public key, base64url. */
  publicKey: string
  privateKey: KeyObject
}

/** Key id: the first 16 characters of base64url(SHA-256(raw public key)). */
export const ownerKeyId = (publicKey: string): string => createHash('sha256').update(Buffer.from(publicKey, 'base64url')).digest('base64url').slice(0, 16)

function keyPair(ownerId: string, privateKey: KeyObject): OwnerKeyPair {
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new RtccError(`the owner key for ${ownerId} is not an Ed25519 key`, {code: 'bad_owner_key'})
  const publicKey = createPublicKey(privateKey).export({format: 'jwk'}).x!
  return {ownerId, keyId: ownerKeyId(publicKey), publicKey, privateKey}
}

export const generateOwnerKey = (ownerId: string): OwnerKeyPair => keyPair(ownerId, generateKeyPairSync('ed25519').privateKey)
export const ownerKeyFromPem = (ownerId: string, pem: string): OwnerKeyPair => keyPair(ownerId, createPrivateKey(pem))
export const ownerKeyToPem = (key: OwnerKeyPair): string => key.privateKey.export({format: 'pem', type: 'pkcs8'}).toString()
export const publicKeyOf = (key: OwnerKeyPair): OwnerPublicKey => ({ownerId: key.ownerId, keyId: key.keyId, publicKey: key.publicKey})

const signedBytes = (s: Omit<OwnerStatement, 'signature'>): Buffer => Buffer.from([s.format, s.type, s.ownerId, s.keyId, s.payload].join('\n'), 'utf8')

export function signStatement(type: StatementType, payload: unknown, key: OwnerKeyPair): OwnerStatement {
  const unsigned = {format: STATEMENT_FORMAT, type, ownerId: key.ownerId, keyId: key.keyId, payload: JSON.stringify(payload)} as const
  return {...unsigned, signature: sign(null, signedBytes(unsigned), key.privateKey).toString('base64url')}
}

const publicKeyObject = (raw: string): KeyObject => createPublicKey({key: {kty: 'OKP', crv: 'Ed25519', x: raw}, format: 'jwk'})

/**
 * Checks a statement's form, type, owner and signature against the keys trusted for its owner, then
 * parses its payload with `schema`. Throws a StatementError naming the problem.
 */
export function openStatement<S extends z.ZodType>(statement: unknown, type: StatementType, schema: S, keys: readonly OwnerPublicKey[], options: {ownerId?: string} = {}): z.infer<S> {
  const envelope = OwnerStatement.safeParse(statement)
  if (!envelope.success) {
    const issue = envelope.error.issues[0]!
    throw new StatementError('malformed', `not an owner statement: field "${issue.path.join('.') || 'statement'}": ${issue.message}`)
  }
  const s = envelope.data
  if (s.type !== type) throw new StatementError('wrong_type', `expected a ${type} statement, got a ${s.type} statement`)
  if (options.ownerId !== undefined && s.ownerId !== options.ownerId) throw new StatementError('wrong_owner', `the statement is signed for owner ${s.ownerId}, not ${options.ownerId}`)
  const key = keys.find((k) => k.ownerId === s.ownerId && k.keyId === s.keyId && ownerKeyId(k.publicKey) === s.keyId)
  if (!key) throw new StatementError('unknown_key', `key ${s.keyId} is not a trusted key of owner ${s.ownerId}`)
  let valid = false
  try {
    valid = verify(null, signedBytes(s), publicKeyObject(key.publicKey), Buffer.from(s.signature, 'base64url'))
  } catch {
    valid = false
  }
  if (!valid) throw new StatementError('bad_signature', `the ${type} statement's signature does not match its content (altered, or signed with another key)`)
  let json: unknown
  try {
    json = JSON.parse(s.payload)
  } catch {
    throw new StatementError('malformed', `the ${type} statement's payload is not JSON`)
  }
  const parsed = schema.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw new StatementError('malformed', `the ${type} statement's payload field "${issue.path.join('.')}": ${issue.message}`)
  }
  return parsed.data
}

// ── Policies ─────────────────────────────────────────────────────────────────────────────────────

export const signPolicyDocument = (policy: CameraPolicy, ownerKey: OwnerKeyPair): PolicyDocument =>
  signStatement('policy', CameraPolicy.parse(policy), ownerKey) as PolicyDocument

export interface VerifyPolicyOptions {
  /** The camera's owner: a document signed by anyone else is refused. */
  ownerId?: string
  /** The camera the document must be about. */
  cameraId?: string
  /** The policy held now: a document whose version is not newer is refused (replay). */
  current?: {version: number} | null
}

/** The policy in an owner-signed document, if it verifies and is newer than `current`. */
export function verifyPolicyDocument(doc: unknown, ownerPublicKeys: readonly OwnerPublicKey[], options: VerifyPolicyOptions = {}): CameraPolicy {
  const policy = openStatement(doc, 'policy', CameraPolicy, ownerPublicKeys, {ownerId: options.ownerId})
  if (options.cameraId !== undefined && policy.cameraId !== options.cameraId)
    throw new StatementError('mismatch', `the document is for camera ${policy.cameraId}, not ${options.cameraId}`)
  if (options.current && policy.version <= options.current.version)
    throw new StatementError('stale', `the document's version ${policy.version} is not newer than the version held (${options.current.version}): an old document replayed?`)
  return policy
}

// ── Panics ───────────────────────────────────────────────────────────────────────────────────────

export const signPanic = (payload: PanicPayload, ownerKey: OwnerKeyPair): OwnerStatement => signStatement('panic', PanicPayload.parse(payload), ownerKey)
export const signPanicClear = (payload: PanicClearPayload, ownerKey: OwnerKeyPair): OwnerStatement => signStatement('panic-clear', PanicClearPayload.parse(payload), ownerKey)

export interface VerifiedPanic {
  panicId: string
  ownerId: string
  startedAt: string
  /** The signed end, or the signed clear if sooner. */
  until: string
  message: string | null
  clearedAt: string | null
}

/**
 * A panic as the owner signed it: the trigger, shortened by the clear if one is attached. The
 * server's own fields in the record are ignored; only the statements count.
 */
export function verifyPanic(record: Pick<PanicRecord, 'statement' | 'clearStatement'>, ownerPublicKeys: readonly OwnerPublicKey[], options: {ownerId?: string} = {}): VerifiedPanic {
  const trigger = openStatement(record.statement, 'panic', PanicPayload, ownerPublicKeys, options)
  const ownerId = (record.statement as OwnerStatement).ownerId
  let until = trigger.until
  let clearedAt: string | null = null
  if (record.clearStatement) {
    const clear = openStatement(record.clearStatement, 'panic-clear', PanicClearPayload, ownerPublicKeys, {ownerId})
    if (!clear.panicIds.includes(trigger.panicId)) throw new StatementError('mismatch', `the clear statement does not name panic ${trigger.panicId}`)
    clearedAt = clear.clearedAt
    if (Date.parse(clearedAt) < Date.parse(until)) until = new Date(Math.max(Date.parse(clearedAt), Date.parse(trigger.startedAt))).toISOString()
  }
  return {panicId: trigger.panicId, ownerId, startedAt: trigger.startedAt, until, message: trigger.message, clearedAt}
}

/** The decision context's view of a verified panic. */
export const panicContext = (panic: VerifiedPanic | null): PolicyContext['panic'] => (panic ? {startedAt: panic.startedAt, until: panic.until} : null)

// ── Approvals ────────────────────────────────────────────────────────────────────────────────────

export const signApproval = (payload: ApprovalPayload, ownerKey: OwnerKeyPair): OwnerStatement => signStatement('approval', ApprovalPayload.parse(payload), ownerKey)

export function verifyApproval(statement: unknown, ownerPublicKeys: readonly OwnerPublicKey[], options: {ownerId?: string; cameraId?: string} = {}): ApprovalPayload {
  const approval = openStatement(statement, 'approval', ApprovalPayload, ownerPublicKeys, {ownerId: options.ownerId})
  if (options.cameraId !== undefined && approval.cameraId !== options.cameraId)
    throw new StatementError('mismatch', `the approval is for camera ${approval.cameraId}, not ${options.cameraId}`)
  return approval
}

/**
 * The decision context's approvals for one camera: only windows the owner signed for it. Records that
 * fail verification are left out and listed in `rejected`.
 */
export function approvalContext(
  records: readonly Pick<ApprovalRecord, 'requestId' | 'statement'>[],
  ownerPublicKeys: readonly OwnerPublicKey[],
  options: {ownerId: string; cameraId: string},
): {approvals: NonNullable<PolicyContext['approvals']>; rejected: {requestId: string; error: string}[]} {
  const approvals: NonNullable<PolicyContext['approvals']> = []
  const rejected: {requestId: string; error: string}[] = []
  for (const record of records) {
    try {
      const a = verifyApproval(record.statement, ownerPublicKeys, options)
      if (a.requestId !== record.requestId) throw new StatementError('mismatch', `the approval is for request ${a.requestId}, not ${record.requestId}`)
      approvals.push({from: a.from, until: a.until, requesterId: a.requesterId, ...(a.kind ? {kind: a.kind} : {}), ...(a.recorded ? {recorded: a.recorded} : {})})
    } catch (error) {
      rejected.push({requestId: record.requestId, error: (error as Error).message})
    }
  }
  return {approvals, rejected}
}

/** The keys a Core trusts for its owner: the one pinned in its config (`ownerPolicyKey`), if any. */
export const trustedOwnerKeys = (ownerId: string, ownerPolicyKey: string | null | undefined): OwnerPublicKey[] =>
  ownerPolicyKey ? [{ownerId, keyId: ownerKeyId(ownerPolicyKey), publicKey: ownerPolicyKey}] : []
