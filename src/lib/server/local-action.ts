/**
 * Local actions: changes made on the server machine with its data dir rather than over the API
 * (`rtcc server init`, `rtcc server unlock`). They go through the same store as the server, and each
 * change is recorded in the audit log as a local action, in the transaction that makes it. They work with
 * the server stopped or running (the store serialises the writes; a running server's audit tree
 * catches up from committed records).
 */
import {userInfo} from 'node:os'

import {AuditLog} from '../audit/log.js'
import {openStore} from '../store/open.js'
import type {Store} from '../store/store.js'
import {prepareDataDir, type ServerSecrets} from './data-dir.js'

/** What a local action's audit record says beyond its action: who (default: the local OS account), on what, and how. */
export interface LocalRecord {
  actor?: {id: string; name: string; role: string}
  target: string
  detail: Record<string, unknown>
}

export interface LocalServer {
  store: Store
  secrets: ServerSecrets
  /**
   * Runs fn and its audit record in one transaction (fn throwing rolls back and records nothing), then
   * brings the audit tree up to date. Keep slow work (hashing) before it.
   */
  audited<T>(action: string, fn: (store: Store, now: Date) => Promise<{result: T; record: LocalRecord}>): Promise<T>
}

/** Opens the data dir's keys, the store (SQLite in the data dir, or `database`) and the audit log for fn, and closes them after. */
export async function withLocalServer<T>(dataDir: string, fn: (local: LocalServer) => Promise<T>, database?: string): Promise<T> {
  const secrets = await prepareDataDir(dataDir)
  const store = await openStore({dataDir: secrets.dir, databaseUrl: database})
  try {
    const audit = await AuditLog.open(store, {origin: secrets.origin, signer: {name: secrets.origin, privateKey: secrets.signingKey, publicKey: secrets.publicKey}})
    return await fn({
      store,
      secrets,
      audited: async (action, change) => {
        const result = await store.transaction(async () => {
          const now = new Date()
          const {result, record} = await change(store, now)
          await audit.append({
            time: now.toISOString(),
            actorId: record.actor?.id ?? null,
            actorName: record.actor?.name ?? `local:${userInfo().username}`,
            role: record.actor?.role ?? null,
            action,
            target: record.target,
            outcome: 'allowed',
            source: 'local',
            requestId: null,
            bytesIn: 0,
            bytesOut: 0,
            detail: record.detail,
          })
          return result
        })
        await audit.afterCommit()
        return result
      },
    })
  } finally {
    await store.close()
  }
}
