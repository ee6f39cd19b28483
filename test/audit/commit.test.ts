/**
 * The log learns of its own appends from the store's commit, on both backends: the store runs
 * onCommit callbacks after COMMIT (never after a rollback, once for a nested transaction), and
 * afterCommit then needs no read of the records this instance wrote.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {AuditLog} from '../../src/lib/audit/log.js'
import {rootOf} from '../../src/lib/audit/merkle.js'
import type {PgStore} from '../../src/lib/store/postgres/pg-store.js'
import type {SqliteStore} from '../../src/lib/store/sqlite-store.js'
import {BACKENDS, openBackend, type OpenedStore} from '../store/backends.js'
import {newSigner, ORIGIN, sampleInput} from './helpers.js'

describe.each(BACKENDS)('commits seen by the audit log on %s', (backend) => {
  let opened: OpenedStore<SqliteStore | PgStore>
  let store: SqliteStore | PgStore
  beforeAll(async () => {
    opened = await openBackend(backend)
    store = opened.store
  })
  afterAll(() => opened?.close())

  it('runs onCommit callbacks after the outermost commit, in order, and never after a rollback', async () => {
    const seen: string[] = []
    await store.transaction(async () => {
      store.onCommit(() => seen.push('outer'))
      await store.transaction(async () => store.onCommit(() => seen.push('nested')))
      expect(seen).toEqual([])
    })
    expect(seen).toEqual(['outer', 'nested'])
    await expect(
      store.transaction(async () => {
        store.onCommit(() => seen.push('rolled back'))
        throw new Error('fails')
      }),
    ).rejects.toThrow('fails')
    store.onCommit(() => seen.push('outside'))
    expect(seen).toEqual(['outer', 'nested', 'outside'])
  })

  it('takes its committed records into the tree without reading them back, and never a rolled-back one', async () => {
    const log = await AuditLog.open(store, {origin: ORIGIN, signer: newSigner(), checkpointEvery: 5})
    const read = store.audit.auditLeavesAfter
    let reads = 0
    store.audit.auditLeavesAfter = (after: number, limit: number) => (reads++, read(after, limit))
    try {
      for (let i = 1; i <= 4; i++) {
        await store.transaction(() => log.append(sampleInput(i)))
        await log.afterCommit()
      }
      await expect(store.transaction(() => log.append(sampleInput(5)).then(() => Promise.reject(new Error('handler failed'))))).rejects.toThrow()
      for (let i = 6; i <= 12; i++) {
        await store.transaction(() => log.append(sampleInput(i)))
        await log.afterCommit()
      }
      expect([log.size, reads]).toEqual([11, 0])
      expect((await store.audit.listCheckpoints()).map((c) => c.size)).toEqual([5, 10])
      expect((await log.checkpoint()).rootHash).toEqual(rootOf(await store.audit.auditLeafHashes(0, 11)))
    } finally {
      store.audit.auditLeavesAfter = read
    }
  })
})
