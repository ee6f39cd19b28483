/**
 * PostgreSQL for the benchmarks: RTCC_BENCH_POSTGRES_URL names a database the benches may create
 * others from (default postgres://postgres@127.0.0.1:5432/test, used only if it answers within 2 s;
 * RTCC_BENCH_POSTGRES_URL=off skips PostgreSQL). Each bench creates its own database and drops it after.
 * Not a bench module itself (run.ts only runs the .ts files directly in bench/).
 */
import pg from 'pg'

const DEFAULT_URL = 'postgres://postgres@127.0.0.1:5432/test'

let resolved: Promise<string | undefined> | undefined

/** The admin URL to use, or undefined when PostgreSQL is off or unreachable. */
export function benchPostgresUrl(): Promise<string | undefined> {
  resolved ??= (async () => {
    const configured = process.env.RTCC_BENCH_POSTGRES_URL
    if (configured === 'off' || configured === '') return undefined
    const url = configured ?? DEFAULT_URL
    const client = new pg.Client({connectionString: url, connectionTimeoutMillis: 2000})
    try {
      await client.connect()
      await client.query('SELECT 1')
      return url
    } catch (error) {
      if (configured) throw error
      process.stderr.write(`bench: no PostgreSQL at ${url} (${(error as Error).message}); SQLite only\n`)
      return undefined
    } finally {
      await client.end().catch(() => undefined)
    }
  })()
  return resolved
}

/** Runs one statement on the admin database. */
export async function adminQuery(adminUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({connectionString: adminUrl})
  await client.connect()
  try {
    await client.query(sql)
  } finally {
    await client.end()
  }
}

/** `adminUrl` with another database name. */
export function databaseUrl(adminUrl: string, database: string): string {
  const url = new URL(adminUrl)
  url.pathname = `/${database}`
  return url.toString()
}

/** Creates `rtcc_bench_<name>_<pid>`, runs fn with its URL, and drops it (even if fn throws). */
export async function withBenchDatabase<T>(adminUrl: string, name: string, fn: (url: string) => Promise<T>): Promise<T> {
  const database = `rtcc_bench_${name}_${process.pid}`
  await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
  await adminQuery(adminUrl, `CREATE DATABASE ${database}`)
  try {
    return await fn(databaseUrl(adminUrl, database))
  } finally {
    await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
  }
}

/** Row count default shared by the registry benches: BENCH_ROWS, else REGISTRY_BENCH_ROWS, else `fallback`. */
export function benchRows(fallback: number): number {
  return Number(process.env.BENCH_ROWS ?? process.env.REGISTRY_BENCH_ROWS ?? fallback)
}
