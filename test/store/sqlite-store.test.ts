import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {join} from 'node:path'

import {openDatabase} from '../../src/lib/store/db.js'
import {SqliteStore} from '../../src/lib/store/sqlite-store.js'
import {removeDir, tempDir} from '../helpers/server.js'

describe('SQLite store', () => {
  let dir: string
  let store: SqliteStore

  beforeEach(() => {
    dir = tempDir('rtcc-store-')
    store = new SqliteStore(openDatabase(join(dir, 'rtcc.db')))
  })
  afterEach(async () => {
    await store.close()
    removeDir(dir)
  })

  const addUser = (username: string) => store.users.insertUser({username, role: 'analyst', passwordHash: 'x'})

  it('commits everything a transaction stored when its body resolves', async () => {
    await store.transaction(async () => {
      await addUser('ann')
      await addUser('bob')
    })
    expect((await store.users.listUsers()).map((u) => u.username)).toEqual(['ann', 'bob'])
  })

  it('rolls back everything a transaction stored when its body throws', async () => {
    await expect(
      store.transaction(async () => {
        await addUser('ann')
        throw new Error('changed my mind')
      }),
    ).rejects.toThrow('changed my mind')
    expect(await store.users.countUsers()).toBe(0)
  })

  it('makes a call from another context wait for the open transaction instead of seeing its writes', async () => {
    let release!: () => void
    const held = new Promise<void>((resolve) => (release = resolve))
    const tx = store.transaction(async () => {
      await addUser('ann')
      await held
    })
    await new Promise((resolve) => setImmediate(resolve))
    let counted: number | undefined
    const count = store.users.countUsers().then((n) => (counted = n))
    await new Promise((resolve) => setImmediate(resolve))
    expect(counted).toBeUndefined()
    release()
    await tx
    await count
    expect(counted).toBe(1)
  })

  it('joins a nested transaction to the outer one', async () => {
    await expect(
      store.transaction(async () => {
        await store.transaction(() => addUser('ann'))
        expect(store.inTransaction()).toBe(true)
        throw new Error('outer fails')
      }),
    ).rejects.toThrow('outer fails')
    expect(await store.users.countUsers()).toBe(0)
    expect(store.inTransaction()).toBe(false)
  })
})
