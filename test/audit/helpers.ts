import {generateKeyPairSync} from 'node:crypto'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {AuditLog, type AuditInput} from '../../src/lib/audit/log.js'
import type {NoteSigner} from '../../src/lib/audit/note.js'
import {openDatabase, type Db} from '../../src/lib/store/db.js'

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

export function openLog(file: string, signer: NoteSigner, checkpointEvery = 10): {db: Db; log: AuditLog} {
  const db = openDatabase(file)
  return {db, log: new AuditLog(db, {origin: ORIGIN, signer, checkpointEvery})}
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
export function appendMany(log: AuditLog, first: number, last: number): void {
  for (let i = first; i <= last; i++) {
    log.append(sampleInput(i))
    log.afterCommit()
  }
}
