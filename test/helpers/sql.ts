/**
 * Plain SQL on either backend, for tests that count rows or tamper with them the way someone with
 * database access would. Statements use `?` placeholders (rewritten to $1, $2, … on PostgreSQL).
 * PostgreSQL returns count(*) as a string: wrap counts in Number(...) or CAST(count(*) AS INTEGER).
 */
import type {PgStore} from '../../src/lib/store/postgres/pg-store.js'
import type {SqliteStore} from '../../src/lib/store/sqlite-store.js'
import type {Store} from '../../src/lib/store/store.js'

function numbered(text: string): string {
  let n = 0
  return text.replace(/\?/g, () => `$${++n}`)
}

/** Runs one statement; returns how many rows it changed. */
export async function sql(store: Store, text: string, params: unknown[] = []): Promise<number> {
  if (store.backend === 'postgres') return (await (store as PgStore).pool.query(numbered(text), params)).rowCount ?? 0
  return (store as SqliteStore).db.prepare(text).run(...params).changes
}

/** Runs one query and returns all its rows. */
export async function sqlAll<T>(store: Store, text: string, params: unknown[] = []): Promise<T[]> {
  if (store.backend === 'postgres') return (await (store as PgStore).pool.query(numbered(text), params)).rows as T[]
  return (store as SqliteStore).db.prepare(text).all(...params) as T[]
}

/** Runs one query and returns its first row (undefined if none). */
export async function sqlOne<T>(store: Store, text: string, params: unknown[] = []): Promise<T | undefined> {
  const rows = await sqlAll<T>(store, text, params)
  return rows[0]
}
