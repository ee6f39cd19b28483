/**
 * Client side of the audit log: save a signed checkpoint, verify the log (on the server, or offline on
 * a copied database), prove a saved checkpoint is still a prefix of today's log, prove one record's
 * inclusion. Proofs are checked here, against the key in the saved checkpoint, never taken on trust.
 */
import type {KeyObject} from 'node:crypto'
import {existsSync, readFileSync, writeFileSync} from 'node:fs'

import type {ConsistencyProofBundle, InclusionProofBundle} from '../audit/log.js'
import {parsePublicKey, parseVerifierKey, type NoteVerifier} from '../audit/note.js'
import {verifyAuditLog, verifyConsistencyBundle, verifyInclusionBundle, type VerifyResult} from '../audit/verify.js'
import {CliError, usageError} from '../output/errors.js'
import {withSqliteAuditSnapshot} from '../store/audit-reader.js'
import {openDatabase} from '../store/db.js'
import type {ApiClient} from './api.js'
import {pinnedAuditKey} from './checkpoint.js'
import {readSeenCheckpoint} from './profiles.js'

export interface SavedCheckpoint {
  size: number
  rootHash: string
  note: string
  verifierKey: string
  createdAt: string
  server?: string
}

export async function saveCheckpoint(api: ApiClient, file?: string): Promise<SavedCheckpoint> {
  const checkpoint = {...(await api.post<SavedCheckpoint>('/v1/audit/checkpoint')), server: api.options.baseUrl}
  trustedAuditKey(api, checkpoint.verifierKey)
  if (file) writeFileSync(file, JSON.stringify(checkpoint, null, 2) + '\n')
  return checkpoint
}

export function readSavedCheckpoint(file: string): SavedCheckpoint {
  let parsed: Partial<SavedCheckpoint>
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<SavedCheckpoint>
  } catch (error) {
    throw usageError(`${file}: not a saved checkpoint (${(error as Error).message})`, 'Save one with `rtcc audit checkpoint -o head.json`.')
  }
  if (typeof parsed.note !== 'string' || typeof parsed.verifierKey !== 'string' || typeof parsed.size !== 'number')
    throw usageError(`${file}: missing note, verifierKey or size`, 'Save one with `rtcc audit checkpoint -o head.json`.')
  return parsed as SavedCheckpoint
}

/** A public key file: the server's PEM (audit-signing.pub) or a verifier key line. */
export function loadVerifier(file: string): NoteVerifier {
  if (!existsSync(file)) throw usageError(`public key file ${file} does not exist`, 'Copy audit-signing.pub from the server data dir.')
  return parsePublicKey(readFileSync(file, 'utf8'))
}

/** The audit key a proof must be signed with: a key file the user gives, else the key pinned for this server. */
export function trustedAuditKey(api: ApiClient, presented: string, publicKeyFile?: string): NoteVerifier {
  return publicKeyFile ? loadVerifier(publicKeyFile) : pinnedAuditKey(api.options.baseUrl, presented)
}

export interface VerifyReport extends Partial<VerifyResult> {
  ok: boolean
  problems: string[]
  mode: 'server' | 'offline'
  sinceCheckpoint?: {file: string; size: number; ok: boolean; problems: string[]; currentSize?: number}
}

/**
 * Verifies on the server, and that its log extends a checkpoint kept earlier: the file given, else the
 * newest one this machine remembers for the server (read before the first request updates it).
 */
export async function verifyOnServer(api: ApiClient, sinceCheckpointFile?: string): Promise<VerifyReport> {
  const saved = sinceCheckpointFile ? readSavedCheckpoint(sinceCheckpointFile) : readSeenCheckpoint(api.options.baseUrl)
  const result = await api.post<VerifyResult>('/v1/audit/verify')
  const report: VerifyReport = {...result, mode: 'server'}
  if (saved) {
    const verifier = parseVerifierKey(saved.verifierKey)
    let consistency: {ok: boolean; problems: string[]}
    let bundle: ConsistencyProofBundle | undefined
    try {
      bundle = await api.get<ConsistencyProofBundle>('/v1/audit/consistency', {from: saved.size})
      consistency = verifyConsistencyBundle(saved.note, bundle, verifier)
    } catch (error) {
      consistency = {ok: false, problems: [(error as Error).message]}
    }
    report.sinceCheckpoint = {file: sinceCheckpointFile ?? 'remembered', size: saved.size, currentSize: bundle?.toSize, ...consistency}
    report.ok &&= consistency.ok
    report.problems = [...report.problems, ...consistency.problems]
  }
  return report
}

/** Where an offline verification reads the log: a SQLite file, or a PostgreSQL URL. */
export type OfflineSource = {db: string} | {database: string}

/** Verifies a database offline (a copied SQLite file, or a PostgreSQL database read without writing). */
export async function verifyOffline(source: OfflineSource, publicKeyFile: string, sinceCheckpointFile?: string): Promise<VerifyReport> {
  const verifier = loadVerifier(publicKeyFile)
  const saved = sinceCheckpointFile ? readSavedCheckpoint(sinceCheckpointFile) : undefined
  const options = {sinceCheckpoint: saved?.note}
  const publicKey = verifier.publicKey as KeyObject
  let result: VerifyResult
  if ('database' in source) {
    // pg is loaded only here: verifying a SQLite file never imports it.
    const {withPostgresAuditSnapshot} = await import('../store/postgres/audit-reader.js')
    try {
      result = await withPostgresAuditSnapshot(source.database, (reader) => verifyAuditLog(reader, publicKey, options))
    } catch (error) {
      if (error instanceof CliError) throw error
      throw new CliError(`cannot read the audit log from the PostgreSQL database: ${(error as Error).message}`, {
        code: 'database_unavailable',
        hint: 'Check the postgres:// URL (host, port, user, database name).',
      })
    }
  } else {
    if (!existsSync(source.db)) throw usageError(`database ${source.db} does not exist`)
    const db = openDatabase(source.db, {readonly: true})
    try {
      result = await withSqliteAuditSnapshot(db, (reader) => verifyAuditLog(reader, publicKey, options))
    } finally {
      db.close()
    }
  }
  return {
    ...result,
    mode: 'offline',
    sinceCheckpoint: saved && sinceCheckpointFile ? {file: sinceCheckpointFile, size: saved.size, ok: result.ok, problems: result.problems} : undefined,
  }
}

export async function proveRecord(api: ApiClient, recordId: string, publicKeyFile?: string): Promise<InclusionProofBundle & {verified: boolean; problems: string[]}> {
  const bundle = await api.get<InclusionProofBundle & {verifierKey: string}>(`/v1/audit/proof/${encodeURIComponent(recordId)}`)
  const check = verifyInclusionBundle(bundle, trustedAuditKey(api, bundle.verifierKey, publicKeyFile))
  if (!check.ok) throw new CliError(`the server's inclusion proof for ${recordId} does not verify: ${check.problems.join('; ')}`, {code: 'proof_invalid'})
  return {...bundle, verified: true, problems: []}
}
