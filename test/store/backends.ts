/** Opens each store backend fresh for repository parity tests: the same cases run on both. */
import {join} from 'node:path'

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
