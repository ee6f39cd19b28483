import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import type {AuditLog} from '../../src/lib/audit/log.js'
import {listCheckpoints} from '../../src/lib/store/audit.js'
import type {Db} from '../../src/lib/store/db.js'
import {appendMany, editLeaf, newSigner, openLog, sampleInput, tempDir} from './helpers.js'

let cleanup: () => void
let db: Db
let log: AuditLog

beforeEach(async () => {
  const temp = tempDir()
  cleanup = temp.cleanup
  ;({db, log} = await openLog(join(temp.dir, 'rtcc.db'), newSigner(), 1000))
})
afterEach(() => {
  db.close()
  cleanup()
})

describe('signing a checkpoint', () => {
  it('lets other work run while it checks the records it signs, and still signs at the multiple', async () => {
    await appendMany(log, 1, 999)
    await log.append(sampleInput(1000))
    const ranDuringCheck: boolean[] = []
    let signed = false
    const signing = log.afterCommit().then((checkpoint) => {
      signed = true
      return checkpoint
    })
    // I/O callbacks and immediates (another request) get their turn before the signature is done.
    setImmediate(() => ranDuringCheck.push(!signed))
    expect((await signing)?.size).toBe(1000)
    expect(ranDuringCheck).toEqual([true])
    expect(listCheckpoints(db).map((c) => c.size)).toEqual([1000])
  })

  it('refuses to sign when a record on a later page of the check was altered', async () => {
    await appendMany(log, 1, 999)
    editLeaf(db, 900, {target: 'usr_someone_else'})
    await log.append(sampleInput(1000))
    await expect(log.afterCommit()).rejects.toThrow(/audit record 900 .* does not match its leaf hash/)
    expect(listCheckpoints(db)).toEqual([])
  })
})
