/** The one thing PostgreSQL repositories need: something to run a parameterised query on. */
import type pg from 'pg'

export type Pg = Pick<pg.Pool | pg.PoolClient, 'query'>

/**
 * The first row of a query, or undefined. A named query (`{name, text}`) is parsed and planned once per
 * connection: for the few run on every request.
 */
export async function one<T>(db: Pg, sql: string | {name: string; text: string}, params: unknown[] = []): Promise<T | undefined> {
  const result = typeof sql === 'string' ? await db.query(sql, params) : await db.query({...sql, values: params})
  return result.rows[0] as T | undefined
}

/** All rows of a query. */
export async function all<T>(db: Pg, sql: string, params: unknown[] = []): Promise<T[]> {
  const result = await db.query(sql, params)
  return result.rows as T[]
}

/** Runs a statement; returns the number of rows it changed. */
export async function run(db: Pg, sql: string, params: unknown[] = []): Promise<number> {
  const result = await db.query(sql, params)
  return result.rowCount ?? 0
}
