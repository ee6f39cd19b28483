/** Real servers for tests: TLS on an ephemeral loopback port, a temp data dir, a first admin. */
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import pg from 'pg'

import {ApiClient} from '../../src/lib/client/api.js'
import {fetchCertificate} from '../../src/lib/client/pinning.js'
import type {SessionView} from '../../src/lib/domain/auth.js'
import type {Role} from '../../src/lib/domain/roles.js'
import {type RunningServer, type StartOptions, startServer} from '../../src/lib/server/app.js'
import {backendUnderTest, createTestDatabase} from './database.js'
import {initServer} from '../../src/lib/server/init.js'

export const ADMIN = {username: 'chief', password: 'Test-Admin-Passphrase-1'}

export interface TestServer {
  server: RunningServer
  url: string
  fingerprint: string
  dataDir: string
  /** The PostgreSQL URL the server runs on (RTCC_TEST_BACKEND=postgres), else undefined: SQLite in the data dir. */
  database?: string
  pin: {certPem: string; fingerprint: string}
  /** A client with no credential. */
  anonymous(): ApiClient
  login(username: string, password: string, otp?: string): Promise<ApiClient>
  /** Creates a user (as the admin) and returns a logged-in client for it. */
  userClient(username: string, role: Role, password?: string): Promise<ApiClient>
  admin: ApiClient
  /** Whether any stored row still holds this text: the SQLite file's bytes (WAL too), or every PostgreSQL table. */
  databaseHolds(text: string): Promise<boolean>
  stop(): Promise<void>
}

export function tempDir(prefix = 'rtcc-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

export interface TestServerOptions {
  dataDir?: string
  checkpointEvery?: number
  port?: number
  smtpUrl?: string
  maxUploadBytes?: number
  /** Per-route rate limits ("METHOD /url"), e.g. for tests that log in more often than a person would. */
  rateLimits?: StartOptions['rateLimits']
  /** An evidence store URL (`startS3Peer().url` from ./s3.ts); default the data dir's folder. */
  evidence?: string
  s3?: StartOptions['s3']
  /**
   * A PostgreSQL URL to run on whatever RTCC_TEST_BACKEND says: with the same dataDir (its keys),
   * a second instance of the first server (see startSecondInstance).
   */
  database?: string
}

// A PostgreSQL test server's database belongs to its data dir, so a restart on that dir finds its data.
const databases = new Map<string, string>()

async function databaseFor(dataDir: string): Promise<string | undefined> {
  if (backendUnderTest() !== 'postgres') return undefined
  if (!databases.has(dataDir)) databases.set(dataDir, (await createTestDatabase()).url)
  return databases.get(dataDir)
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? tempDir()
  const database = options.database ?? (await databaseFor(dataDir))
  await initServer(dataDir, ADMIN, database).catch((error: {code?: string}) => {
    if (error.code !== 'already_initialised') throw error
  })
  const server = await startServer({dataDir, database, port: options.port ?? 0, version: 'test', checkpointEvery: options.checkpointEvery, smtpUrl: options.smtpUrl, maxUploadBytes: options.maxUploadBytes, rateLimits: options.rateLimits, evidence: options.evidence, s3: options.s3})
  const cert = await fetchCertificate(server.url)
  const pin = {certPem: cert.pem, fingerprint: cert.fingerprint}
  const anonymous = () => new ApiClient({baseUrl: server.url, pin})
  const login = async (username: string, password: string, otp?: string) => {
    const session = await anonymous().post<SessionView>('/v1/auth/login', {username, password, otp})
    return new ApiClient({baseUrl: server.url, pin, token: session.token})
  }
  const admin = await login(ADMIN.username, ADMIN.password)
  let stopped = false
  return {
    server,
    url: server.url,
    fingerprint: server.fingerprint,
    dataDir,
    database,
    pin,
    anonymous,
    login,
    admin,
    userClient: async (username, role, password = 'Test-User-Passphrase-42') => {
      await admin.post('/v1/users', {username, password, role})
      return login(username, password)
    },
    databaseHolds: async (text) => {
      if (!database) return [join(dataDir, 'rtcc.db'), join(dataDir, 'rtcc.db-wal')].some((file) => existsSync(file) && readFileSync(file).includes(Buffer.from(text)))
      const client = new pg.Client({connectionString: database})
      await client.connect()
      try {
        const {rows: tables} = await client.query<{name: string}>("SELECT quote_ident(tablename) AS name FROM pg_tables WHERE schemaname = 'public'")
        for (const {name} of tables) {
          const {rowCount} = await client.query(`SELECT 1 FROM ${name} t WHERE strpos(t::text, $1) > 0 LIMIT 1`, [text])
          if (rowCount) return true
        }
        return false
      } finally {
        await client.end()
      }
    },
    stop: async () => {
      if (stopped) return
      stopped = true
      await server.close()
    },
  }
}

/**
 * Another instance of a running test server, as a cluster runs them: the same data dir (certificate,
 * audit signing key, evidence master key) and the same PostgreSQL database, its own port.
 */
export function startSecondInstance(first: TestServer, options: Omit<TestServerOptions, 'dataDir' | 'database'> = {}): Promise<TestServer> {
  if (!first.database) throw new Error('a second instance needs the first on PostgreSQL (pass database, or RTCC_TEST_BACKEND=postgres)')
  return startTestServer({...options, dataDir: first.dataDir, database: first.database})
}

export function removeDir(dir: string): void {
  rmSync(dir, {recursive: true, force: true})
}
