import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {existsSync, statSync, unlinkSync} from 'node:fs'
import {join} from 'node:path'

import {openDatabase, type Db} from '../../src/lib/store/db.js'
import {SqliteStore} from '../../src/lib/store/sqlite-store.js'
import {WalCheckpointer} from '../../src/lib/store/wal-checkpointer.js'
import {removeDir, tempDir} from '../helpers/server.js'

const PAGE = 4096
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('background WAL checkpoints', () => {
  let dir: string
  let file: string
  let db: Db

  beforeEach(() => {
    dir = tempDir('rtcc-wal-')
    file = join(dir, 'rtcc.db')
    db = openDatabase(file)
    db.exec('CREATE TABLE blobs (id INTEGER PRIMARY KEY, body BLOB)')
  })
  afterEach(() => {
    if (db.open) db.close()
    removeDir(dir)
  })

  const walPages = () => statSync(`${file}-wal`).size / PAGE
  /** Pages in the database file itself: what checkpoints have copied there. */
  const filePages = () => statSync(file).size / PAGE
  /** `commits` transactions of 50 one-page rows each (about 50 WAL pages per commit), each waited on by the worker if asked. */
  const write = async (commits: number, options: {untilCheckpointed?: boolean} = {}) => {
    const insert = db.prepare('INSERT INTO blobs (body) VALUES (?)')
    for (let i = 0; i < commits; i++) {
      const before = filePages()
      db.transaction(() => {
        for (let row = 0; row < 50; row++) insert.run(Buffer.alloc(PAGE - 100, i))
      })()
      for (let wait = 0; options.untilCheckpointed && wait < 250 && filePages() < before + 50; wait++) await sleep(20)
    }
  }

  it('leaves checkpoints to the worker: commits do not copy the WAL into the database, however long it gets', async () => {
    const checkpointer = WalCheckpointer.start(db, {intervalMs: 3_600_000})
    await write(60) // about 3,000 pages: SQLite's default would have checkpointed after 1,000
    expect(walPages()).toBeGreaterThan(2500)
    expect(filePages()).toBeLessThan(100)
    await checkpointer.stop()
  })

  it('checkpoints from the worker, so the WAL is reused from its start and stays short', async () => {
    db.pragma('wal_checkpoint(TRUNCATE)') // the WAL then holds only these commits, not the schema's migrations
    const checkpointer = WalCheckpointer.start(db, {intervalMs: 5})
    await write(60, {untilCheckpointed: true})
    expect(walPages()).toBeLessThan(200)
    expect(filePages()).toBeGreaterThan(2500)
    expect(db.prepare('SELECT count(*) FROM blobs').pluck().get()).toBe(3000)
    await checkpointer.stop()
  })

  it('does not change data_version on the server connection (the radius index is not rebuilt)', async () => {
    const checkpointer = WalCheckpointer.start(db, {intervalMs: 5})
    await write(30)
    const version = db.pragma('data_version', {simple: true})
    for (let i = 0; i < 100 && filePages() < 1400; i++) await sleep(20)
    expect(filePages()).toBeGreaterThan(1400)
    expect(db.pragma('data_version', {simple: true})).toBe(version)
    await checkpointer.stop()
  })

  it('falls back to checkpoints on commit when the worker cannot run', async () => {
    unlinkSync(file) // the worker's connection cannot open what is no longer there; ours keeps its file
    const checkpointer = WalCheckpointer.start(db, {intervalMs: 5})
    expect(db.pragma('wal_autocheckpoint', {simple: true})).toBe(0)
    for (let i = 0; i < 100 && db.pragma('wal_autocheckpoint', {simple: true}) === 0; i++) await sleep(20)
    expect(db.pragma('wal_autocheckpoint', {simple: true})).toBe(1000)
    await checkpointer.stop()
  })

  it('is stopped by the store it runs for, which then closes the database and its WAL', async () => {
    db.close()
    const store = new SqliteStore(openDatabase(file), {backgroundCheckpoints: true})
    await store.users.insertUser({username: 'ann', role: 'analyst', passwordHash: 'x'})
    await store.close()
    expect(existsSync(`${file}-wal`)).toBe(false)
    db = openDatabase(file)
    expect(db.prepare('SELECT username FROM users').pluck().all()).toEqual(['ann'])
  })
})
