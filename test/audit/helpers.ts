import {generateKeyPairSync} from 'node:crypto'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {KeyObject} from 'node:crypto'

import {AuditLog, type AuditInput} from '../../src/lib/audit/log.js'
import type {NoteSigner} from '../../src/lib/audit/note.js'
import {leafHashOfJson} from '../../src/lib/audit/record.js'
import {verifyAuditLog, type VerifyOptions, type VerifyResult} from '../../src/lib/audit/verify.js'
import {withSqliteAuditSnapshot} from '../../src/lib/store/audit-reader.js'
import {openDatabase, type Db} from '../../src/lib/store/db.js'
import {SqliteStore} from '../../src/lib/store/sqlite-store.js'
import type {Store} from '../../src/lib/store/store.js'
import {sql, sqlOne} from '../helpers/sql.js'

export const ORIGIN = 'rtcc.test/audit'

export function newSigner(): NoteSigner {
  const {privateKey, publicKey} = generateKeyPairSync('ed25519')
  return {name: ORIGIN, privateKey, publicKey}
}

/** A temp directory removed by the returned cleanup. */
export function tempDir(): {dir: string; cleanup: () => void} {
  const dir = mkdtempSync(join(tmpdir(), 'rtcc-audit-'))
  return {dir, cleanup: () => rmSync(dir, {recursive: true, force: true})}
}

export async function openLog(file: string, signer: NoteSigner, checkpointEvery = 10): Promise<{db: Db; store: SqliteStore; log: AuditLog}> {
  const db = openDatabase(file)
  const store = new SqliteStore(db)
  return {db, store, log: await AuditLog.open(store, {origin: ORIGIN, signer, checkpointEvery})}
}

/** Verifies the log in a SQLite connection offline, as `rtcc audit verify --db` does. */
export function verifySqlite(db: Db, publicKey: KeyObject, options?: VerifyOptions): Promise<VerifyResult> {
  return withSqliteAuditSnapshot(db, (reader) => verifyAuditLog(reader, publicKey, options))
}

/** A varied, realistic request record; `i` makes each one distinct. */
export function sampleInput(i: number): AuditInput {
  const actors = [
    ['usr_01', 'alice', 'admin'],
    ['usr_02', 'bob', 'investigator'],
    ['usr_03', 'carol', 'supervisor'],
  ] as const
  const [actorId, actorName, role] = actors[i % actors.length]!
  return {
    time: new Date(Date.UTC(2026, 10, 1, 8, 0, 0, i * 1500)).toISOString(),
    actorId,
    actorName,
    role,
    action: ['camera.read', 'user.create', 'request.issue', 'audit.query'][i % 4]!,
    target: `cam_${String(i).padStart(4, '0')}`,
    outcome: i % 7 === 3 ? 'denied' : 'allowed',
    source: '127.0.0.1',
    requestId: `req-${i}`,
    bytesIn: i * 10,
    bytesOut: i * 100,
    detail: i % 5 === 0 ? {reason: 'sample', n: i, nested: {z: 1, a: [1, 2]}} : null,
  }
}

/** Appends records first..last, each in its own transaction followed by afterCommit, as the server does. */
export async function appendMany(log: AuditLog, first: number, last: number): Promise<void> {
  for (let i = first; i <= last; i++) {
    await log.append(sampleInput(i))
    await log.afterCommit()
  }
}

/** Leaf positions of the columns generated from it (record.ts RECORD_FIELDS order). */
export const LEAF_POSITION: Record<string, number> = Object.fromEntries(
  ['seq', 'id', 'time', 'actor_id', 'actor_name', 'role', 'action', 'target', 'outcome', 'source', 'request_id', 'bytes_in', 'bytes_out', 'detail'].map((column, i) => [column, i]),
)

/** A stored leaf with some of its values replaced, by column name: what someone editing the database writes. */
export function editedLeaf(leaf: string, changes: Record<string, unknown>): string {
  const values = JSON.parse(leaf) as unknown[]
  for (const [column, value] of Object.entries(changes)) values[LEAF_POSITION[column]!] = value
  return JSON.stringify(values)
}

/** Edits a record's leaf in a SQLite database directly (its columns follow; its leaf hash does not). */
export function editLeaf(db: Db, seq: number, changes: Record<string, unknown>): void {
  const leaf = db.prepare('SELECT leaf FROM audit_records WHERE seq = ?').pluck().get(seq) as string
  db.prepare('UPDATE audit_records SET leaf = ? WHERE seq = ?').run(editedLeaf(leaf, changes), seq)
}

/** Rewrites a record's leaf hash to match its (edited) leaf, as an attacker who read this code would. */
export function rehashLeaf(db: Db, seq: number): void {
  const leaf = db.prepare('SELECT leaf FROM audit_records WHERE seq = ?').pluck().get(seq) as string
  db.prepare('UPDATE audit_records SET leaf_hash = ? WHERE seq = ?').run(leafHashOfJson(leaf), seq)
}

/**
 * Edits a record's leaf with plain SQL on either backend, as someone with database access would; with
 * `rehash`, also rewrites its leaf hash to match (only the signed roots can then tell).
 */
export async function editStoredLeaf(store: Store, seq: number, changes: Record<string, unknown>, options: {rehash?: boolean} = {}): Promise<void> {
  const {leaf} = (await sqlOne<{leaf: string}>(store, 'SELECT leaf FROM audit_records WHERE seq = ?', [seq]))!
  const edited = editedLeaf(leaf, changes)
  if (options.rehash) await sql(store, 'UPDATE audit_records SET leaf = ?, leaf_hash = ? WHERE seq = ?', [edited, leafHashOfJson(edited), seq])
  else await sql(store, 'UPDATE audit_records SET leaf = ? WHERE seq = ?', [edited, seq])
}
