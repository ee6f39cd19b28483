/** Opens each store backend fresh for repository parity tests: the same cases run on both. */
import {join} from 'node:path'

import {afterAll, beforeAll} from 'vitest'

import {openDatabase} from '../../src/lib/store/db.js'
import {PgStore} from '../../src/lib/store/postgres/pg-store.js'
import {SqliteStore} from '../../src/lib/store/sqlite-store.js'
import {createTestDatabase} from '../helpers/database.js'
import {removeDir, tempDir} from '../helpers/server.js'

export const BACKENDS = ['sqlite', 'postgres'] as const
export type BackendName = (typeof BACKENDS)[number]

export interface OpenedStore<S> {
  store: S
  close(): Promise<void>
}

export async function openBackend(name: BackendName): Promise<OpenedStore<SqliteStore | PgStore>> {
  if (name === 'sqlite') {
    const dir = tempDir('rtcc-store-')
    const store = new SqliteStore(openDatabase(join(dir, 'rtcc.db')))
    return {store, close: async () => (await store.close(), removeDir(dir))}
  }
  const database = await createTestDatabase()
  const store = await PgStore.open(database.url)
  return {store, close: async () => (await store.close(), await database.drop())}
}

/**
 * The store of one backend for a describe block: opened before its tests, closed after. A proxy stands
 * in for it so the block can name it where describe runs, before the store exists.
 */
export function useBackendStore(name: BackendName): SqliteStore | PgStore {
  let opened: OpenedStore<SqliteStore | PgStore> | undefined
  beforeAll(async () => {
    opened = await openBackend(name)
  })
  afterAll(() => opened?.close())
  return new Proxy({} as SqliteStore | PgStore, {
    get: (_target, property) => {
      if (!opened) throw new Error(`the ${name} store is opened in beforeAll: use it inside a test`)
      const value = Reflect.get(opened.store, property, opened.store)
      return typeof value === 'function' ? value.bind(opened.store) : value
    },
  })
}
