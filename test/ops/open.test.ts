/**
 * Choosing the database: SQLite in the data dir by default without loading `pg`, PostgreSQL by URL,
 * libpq's sslmode turned into TLS options, and a usage error for anything else.
 */
import {execFile} from 'node:child_process'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {promisify} from 'node:util'

import pg from 'pg'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {RtccError} from '../../src/lib/errors.js'
import {openStore, postgresConnection, redactUrl, resolveDatabase} from '../../src/lib/store/open.js'
import type {PgStore} from '../../src/lib/store/postgres/pg-store.js'
import {createTestDatabase, type TestDatabase} from '../helpers/database.js'
import {removeDir, tempDir} from '../helpers/server.js'

const run = promisify(execFile)
const DIST = new URL('../../dist/', import.meta.url)

/**
 * A fresh node process that opens a store through the built dist/ (as `rtcc server start` will) and
 * prints which of `pg`'s files the process loaded. ESM imports of `pg` go through its CommonJS entry,
 * so its files show up in the CommonJS module cache.
 */
async function loadedPgFiles(work: string, body: string, env: Record<string, string> = {}): Promise<{files: string[]; out: string}> {
  const script = join(work, `probe-${Math.random().toString(36).slice(2)}.mjs`)
  writeFileSync(
    script,
    `import {createRequire} from 'node:module'
const require = createRequire(import.meta.url)
const dist = ${JSON.stringify(DIST.href)}
let out = ''
${body}
const files = Object.keys(require.cache).filter((f) => /node_modules[\\\\/](pg|pg-pool|pg-protocol|pg-connection-string)[\\\\/]/.test(f))
process.stdout.write(JSON.stringify({files, out}))
`,
  )
  const {stdout} = await run(process.execPath, [script], {env: {...process.env, RTCC_DATABASE_URL: '', ...env}, timeout: 30_000})
  return JSON.parse(stdout)
}

describe('openStore', () => {
  let work: string
  let database: TestDatabase
  beforeAll(async () => {
    work = tempDir('rtcc-open-')
    database = await createTestDatabase()
  })
  afterAll(async () => {
    await database?.drop()
    removeDir(work)
  })

  it('opens SQLite in the data dir by default and never loads pg (and the probe sees pg when it is loaded)', async () => {
    const sqlite = await loadedPgFiles(
      work,
      `const {openStore} = await import(dist + 'lib/store/open.js')
const store = await openStore({dataDir: ${JSON.stringify(join(work, 'data'))}})
out = store.backend + ' ' + (await store.agencies.listAgencies()).length
await store.close()`,
    )
    expect(sqlite.out).toBe('sqlite 0')
    expect(sqlite.files).toEqual([])

    const postgres = await loadedPgFiles(
      work,
      `const {openStore} = await import(dist + 'lib/store/open.js')
const store = await openStore({dataDir: ${JSON.stringify(join(work, 'data'))}})
out = store.backend + ' ' + (await store.agencies.listAgencies()).length
await store.close()`,
      {RTCC_DATABASE_URL: database.url},
    )
    expect(postgres.out).toBe('postgres 0')
    expect(postgres.files.some((f) => /[\\/]pg[\\/]lib[\\/]index\.js$/.test(f))).toBe(true)
  })

  it('a whole server on SQLite (startServer) does not load pg either', async () => {
    const server = await loadedPgFiles(
      work,
      `const {startServer} = await import(dist + 'lib/server/app.js')
const server = await startServer({dataDir: ${JSON.stringify(join(work, 'server'))}, port: 0, version: 'test'})
out = server.url.startsWith('https://') ? 'listening' : server.url
await server.close()`,
    )
    expect(server.out).toBe('listening')
    expect(server.files).toEqual([])
  })

  it('uses RTCC_DATABASE_URL when no URL is given, unless told not to', () => {
    const saved = process.env.RTCC_DATABASE_URL
    process.env.RTCC_DATABASE_URL = 'postgres://rtcc:s3cret@db.example.org/rtcc'
    try {
      expect(resolveDatabase({dataDir: '/srv/rtcc'})).toMatchObject({backend: 'postgres', display: 'postgres://rtcc:***@db.example.org/rtcc'})
      expect(resolveDatabase({dataDir: '/srv/rtcc', environment: false})).toMatchObject({backend: 'sqlite', file: join('/srv/rtcc', 'rtcc.db')})
      expect(resolveDatabase({dataDir: '/srv/rtcc', databaseUrl: 'postgresql://other/db'})).toMatchObject({backend: 'postgres', display: 'postgresql://other/db'})
    } finally {
      if (saved === undefined) delete process.env.RTCC_DATABASE_URL
      else process.env.RTCC_DATABASE_URL = saved
    }
  })

  it('refuses other schemes with a usage error (exit 2) naming the accepted ones, without echoing a password', async () => {
    for (const url of ['mysql://root:hunter2@db/rtcc', 'sqlite:///srv/rtcc.db', 'db.example.org:5432/rtcc', 'postgres:rtcc']) {
      const error = (await openStore({dataDir: work, databaseUrl: url}).catch((e: unknown) => e)) as RtccError
      expect(error, url).toBeInstanceOf(RtccError)
      expect(error.exitCode).toBe(2)
      expect(error.message).toMatch(/rtcc accepts postgres:\/\/ or postgresql:\/\//)
      expect(error.message + error.hint).not.toContain('hunter2')
    }
    expect(redactUrl('postgres://rtcc:p%40ss@db/rtcc?sslmode=require')).toBe('postgres://rtcc:***@db/rtcc?sslmode=require')
  })

  it("turns libpq's sslmode into TLS options and takes the TLS parameters off the URL", () => {
    expect(postgresConnection('postgres://rtcc@db/rtcc?application_name=x')).toEqual({connectionString: 'postgres://rtcc@db/rtcc?application_name=x', ssl: false, sslMode: 'disable'})
    expect(postgresConnection('postgres://rtcc@db/rtcc?sslmode=disable')).toMatchObject({connectionString: 'postgres://rtcc@db/rtcc', ssl: false})
    expect(postgresConnection('postgres://rtcc@db/rtcc?sslmode=require&application_name=x')).toEqual({
      connectionString: 'postgres://rtcc@db/rtcc?application_name=x',
      ssl: {rejectUnauthorized: false},
      sslMode: 'require',
    })
    const full = postgresConnection('postgres://rtcc@db/rtcc?sslmode=verify-full')
    expect(full.ssl).toEqual({rejectUnauthorized: true})
    const ca = join(work, 'ca.pem')
    writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n')
    const verifyCa = postgresConnection(`postgres://rtcc@db/rtcc?sslmode=verify-ca&sslrootcert=${encodeURIComponent(ca)}`)
    expect(verifyCa.ssl).toMatchObject({rejectUnauthorized: true, ca: expect.stringContaining('BEGIN CERTIFICATE')})
    expect(typeof (verifyCa.ssl as {checkServerIdentity?: unknown}).checkServerIdentity).toBe('function')
    // libpq: require with a root certificate checks the chain (verify-ca).
    expect(postgresConnection(`postgres://rtcc@db/rtcc?sslmode=require&sslrootcert=${ca}`).ssl).toMatchObject({rejectUnauthorized: true, ca: expect.any(String)})
    for (const [url, message] of [
      ['postgres://rtcc@db/rtcc?sslmode=prefer', /sslmode=prefer is not supported/],
      ['postgres://rtcc@db/rtcc?ssl=true', /"ssl" is not supported/],
      [`postgres://rtcc@db/rtcc?sslrootcert=${ca}`, /need an sslmode/],
      ['postgres://rtcc@db/rtcc?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem', /does not exist/],
    ] as const) {
      expect(() => postgresConnection(url), url).toThrow(message)
    }
  })

  it('asks the server for TLS when the URL says so: refused by a server without TLS, encrypted by one with it', async () => {
    const client = new pg.Client({connectionString: database.url})
    await client.connect()
    const serverTls = (await client.query<{ssl: string}>('SHOW ssl')).rows[0]!.ssl === 'on'
    await client.end()
    const url = new URL(database.url)
    url.search = '?sslmode=require'
    const opened = await openStore({dataDir: work, databaseUrl: url.toString()}).catch((e: unknown) => e)
    if (serverTls) {
      const store = opened as PgStore
      const {rows} = await store.pool.query<{ssl: boolean}>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()')
      expect(rows[0]!.ssl).toBe(true)
      await store.close()
    } else {
      expect(opened).toBeInstanceOf(RtccError)
      expect((opened as RtccError).message).toMatch(/does not offer TLS, but the URL asks for it/)
    }
  })
})
