/**
 * Reading and proving the audit log (admin, supervisor), its public head, and witnesses' cosignatures.
 * Reading is itself audited: each call's record is appended before the answer is computed, so a proof
 * or checkpoint asked for now covers the request that asked.
 */
import {createPublicKey} from 'node:crypto'

import {coreCosignerName, verifyCosignature, withCosignatures} from '../audit/cosignature.js'
import type {ConsistencyProofBundle, InclusionProofBundle, StoredCheckpoint} from '../audit/log.js'
import {formatVerifierKey} from '../audit/note.js'
import type {AuditRecord} from '../audit/record.js'
import {verifyAuditLog, type VerifyResult} from '../audit/verify.js'
import type {AuditHead} from '../domain/audit.js'
import {badRequest, notFound} from '../server/http-error.js'
import type {AuditQuery} from '../store/audit.js'
import type {Actor, ServiceContext} from './context.js'

/** The verifier key line (C2SP note format) of this server's audit key. */
export const verifierKey = (ctx: Pick<ServiceContext, 'secrets'>): string => formatVerifierKey(ctx.secrets.origin, ctx.secrets.publicKey)

export interface CheckpointView {
  size: number
  rootHash: string
  note: string
  createdAt: string
  verifierKey: string
}

const checkpointView = (ctx: ServiceContext, c: StoredCheckpoint): CheckpointView => ({
  size: c.size,
  rootHash: c.rootHash.toString('base64'),
  note: c.note,
  createdAt: c.createdAt,
  verifierKey: verifierKey(ctx),
})

/**
 * The head witnesses check (public: sizes and hashes only, no record content), with the consistency
 * proof from the size a witness saw last. Recorded when the call ends, like any unaudited read.
 */
export async function auditHead(ctx: ServiceContext, input: {from?: number}): Promise<AuditHead> {
  const head = await ctx.audit.head()
  const proof = input.from !== undefined && input.from <= head.size ? (await ctx.audit.consistencyProof(input.from, head.size)).proof : undefined
  return {
    size: head.size,
    rootHash: head.rootHash.toString('base64'),
    checkpoint: withCosignatures(head.note, await ctx.store.audit.cosignatureLines(head.size)),
    verifierKey: verifierKey(ctx),
    proof,
  }
}

/** A Core (already authenticated by its signed request) countersigns a checkpoint it checked. */
export async function addCosignature(
  ctx: ServiceContext,
  core: {id: string; public_key: string},
  input: {size: number; cosignature: string},
): Promise<{size: number; cosigner: string}> {
  const checkpoint = await ctx.store.audit.getCheckpoint(input.size)
  if (!checkpoint) throw notFound(`signed checkpoint at size ${input.size}`)
  const name = coreCosignerName(core.id)
  let signedAt: number
  try {
    signedAt = verifyCosignature(checkpoint.note, input.cosignature, name, createPublicKey(core.public_key))
  } catch (error) {
    throw badRequest((error as Error).message, 'cosignature')
  }
  return ctx.audited(
    async () => {
      await ctx.store.audit.upsertCosignature({size: input.size, cosigner: name, line: input.cosignature, signedAt})
      return {size: input.size, cosigner: name}
    },
    {target: core.id, detail: {size: input.size}},
  )
}

/** Records matching the filters (times normalised to UTC ISO-8601); the query is kept in the record. */
export function queryAudit(ctx: ServiceContext, _actor: Actor, query: AuditQuery): Promise<AuditRecord[]> {
  const filters = {...query, since: query.since && new Date(query.since).toISOString(), until: query.until && new Date(query.until).toISOString()}
  return ctx.audited(() => ctx.store.audit.queryAuditRecords(filters), {detail: {query: filters}})
}

/** Signs the current head (this request's record included) and returns it. */
export async function createCheckpoint(ctx: ServiceContext, _actor: Actor): Promise<CheckpointView> {
  await ctx.audited(() => undefined)
  return checkpointView(ctx, await ctx.audit.checkpoint())
}

/** Inclusion proof of a record (by id, or by seq when all digits) in a signed checkpoint. */
export async function proveRecord(ctx: ServiceContext, _actor: Actor, id: string): Promise<InclusionProofBundle & {verifierKey: string}> {
  await ctx.audited(() => undefined, {target: id})
  return {...(await ctx.audit.inclusionProof(/^\d+$/.test(id) ? Number(id) : id)), verifierKey: verifierKey(ctx)}
}

/** Consistency proof from an earlier size to the current signed head. */
export async function proveConsistency(ctx: ServiceContext, _actor: Actor, input: {from: number}): Promise<ConsistencyProofBundle & {verifierKey: string}> {
  await ctx.audited(() => undefined, {detail: {from: input.from}})
  return {...(await ctx.audit.consistencyProof(input.from)), verifierKey: verifierKey(ctx)}
}

/** Verifies the whole log as stored (this request's record included), in one store transaction. */
export async function verifyLog(ctx: ServiceContext, _actor: Actor): Promise<VerifyResult> {
  await ctx.audited(() => undefined)
  await ctx.audit.afterCommit()
  return ctx.store.transaction(() => verifyAuditLog(ctx.store.audit, ctx.secrets.publicKey))
}

/** The audit public key, as a verifier key line and as PEM. */
export function auditPublicKey(ctx: ServiceContext, _actor: Actor): Promise<{verifierKey: string; pem: string}> {
  return ctx.audited(() => ({verifierKey: verifierKey(ctx), pem: ctx.secrets.publicKey.export({format: 'pem', type: 'spki'}).toString()}))
}
