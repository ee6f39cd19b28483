/**
 * Which database a server runs on, chosen in one place: the embedded SQLite file `<dataDir>/rtcc.db`
 * by default, or PostgreSQL when a `postgres://` / `postgresql://` URL is given (`--database` or
 * `RTCC_DATABASE_URL`). `pg` is loaded only through a dynamic import on the PostgreSQL path, so a
 * server on SQLite never loads it (test/ops/open.test.ts checks this).
 *
 * TLS to PostgreSQL follows libpq's `sslmode` (rtcc reads it itself rather than leaving it to `pg`,
 * whose own reading of `require` differs from libpq's):
 *   disable (or no sslmode)  no TLS
 *   require                  TLS, the server's certificate not checked (as libpq; with sslrootcert: verify-ca)
 *   verify-ca                TLS, certificate chain checked against sslrootcert (or the system CAs), not the host name
 *   verify-full              TLS, chain and host name checked
 * `sslrootcert=FILE` (or `system`), `sslcert=FILE` and `sslkey=FILE` (client certificate) are read from
 * disk. `allow` and `prefer` (TLS if the server happens to offer it) are refused: say which you mean.
 */
import {existsSync, mkdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import type {ConnectionOptions} from 'node:tls'

import {RtccError, ExitCode, usageError} from '../errors.js'
import {openDatabase} from './db.js'
import type {PgStore} from './postgres/pg-store.js'
import {SqliteStore} from './sqlite-store.js'

export const ACCEPTED_SCHEMES = ['postgres://', 'postgresql://'] as const
export const SSL_MODES = ['disable', 'require', 'verify-ca', 'verify-full'] as const
export type SslMode = (typeof SSL_MODES)[number]

/** Connection settings for a `pg` Pool or Client: the URL without its TLS parameters, and the TLS options they asked for. */
export interface PostgresConnection {
  connectionString: string
  ssl: false | ConnectionOptions
  sslMode: SslMode
}

export type DatabaseTarget =
  | {backend: 'sqlite'; file: string; display: string}
  | {backend: 'postgres'; connection: PostgresConnection; display: string}

export type OpenedStore = SqliteStore | PgStore

export interface OpenStoreOptions {
  dataDir: string
  /** A postgres:// or postgresql:// URL; unset (and no RTCC_DATABASE_URL): SQLite in the data dir. */
  databaseUrl?: string
  /** Read RTCC_DATABASE_URL when no URL is given (default true; false when a data dir was named explicitly). */
  environment?: boolean
  /** SQLite: checkpoint the WAL from a worker thread rather than on commit (store/wal-checkpointer.ts), for the server. */
  backgroundCheckpoints?: boolean
}

/** The SQLite file of a data dir. */
export const sqliteFile = (dataDir: string): string => join(dataDir, 'rtcc.db')

/** The URL with its password replaced, for messages and reports. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/?#@]*):[^@/?#]*@/i, '$1:***@')
}

/** Where the store lives: the database URL if one is given (flag, then RTCC_DATABASE_URL), else the data dir's SQLite file. */
export function resolveDatabase(options: OpenStoreOptions): DatabaseTarget {
  const url = options.databaseUrl || (options.environment === false ? undefined : process.env.RTCC_DATABASE_URL) || undefined
  if (url === undefined) {
    const file = sqliteFile(options.dataDir)
    return {backend: 'sqlite', file, display: file}
  }
  return {backend: 'postgres', connection: postgresConnection(url), display: redactUrl(url)}
}

const TLS_PARAMETERS = new Set(['sslmode', 'sslrootcert', 'sslcert', 'sslkey', 'ssl', 'uselibpqcompat', 'sslcompat', 'sslnegotiation', 'sslpassword'])

/** Parses a PostgreSQL URL into `pg` connection settings; a usage error (exit 2) for anything else. */
export function postgresConnection(url: string): PostgresConnection {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase()
  if (!scheme || !ACCEPTED_SCHEMES.some((accepted) => accepted === `${scheme}://`) || !/^[a-z]+:\/\//i.test(url)) {
    throw usageError(
      `unsupported database URL ${scheme ? `scheme "${scheme}:"` : `"${redactUrl(url)}"`}: rtcc accepts ${ACCEPTED_SCHEMES.join(' or ')} URLs`,
      'Pass --database postgres://USER@HOST:5432/DBNAME (or set RTCC_DATABASE_URL), or leave both unset for the embedded SQLite database in the data dir.',
    )
  }
  const [base, query = ''] = splitOnce(url, '?')
  const kept: string[] = []
  const tls = new Map<string, string>()
  for (const pair of query.split('&')) {
    if (pair === '') continue
    const [key, value = ''] = splitOnce(pair, '=')
    const name = decodeURIComponent(key).toLowerCase()
    if (TLS_PARAMETERS.has(name)) tls.set(name, decodeURIComponent(value))
    else kept.push(pair)
  }
  for (const name of ['ssl', 'uselibpqcompat', 'sslcompat', 'sslnegotiation', 'sslpassword']) {
    if (tls.has(name)) throw usageError(`the database URL parameter "${name}" is not supported`, `Use sslmode=${SSL_MODES.join('|')} (with sslrootcert, sslcert, sslkey as files).`)
  }
  const mode = tls.get('sslmode') ?? (tls.size > 0 ? undefined : 'disable')
  if (mode === undefined) throw usageError('sslrootcert, sslcert and sslkey need an sslmode', `Add sslmode=verify-full (or require, verify-ca) to the database URL.`)
  if (!(SSL_MODES as readonly string[]).includes(mode)) {
    throw usageError(
      `sslmode=${mode} is not supported`,
      `Use sslmode=${SSL_MODES.join(', ')}: "allow" and "prefer" would fall back silently, so say whether the connection must be encrypted.`,
    )
  }
  const sslMode = mode as SslMode
  const connectionString = kept.length > 0 ? `${base}?${kept.join('&')}` : base
  if (sslMode === 'disable') {
    if (tls.size > 1) throw usageError('sslrootcert, sslcert and sslkey have no effect with sslmode=disable', 'Drop them, or use sslmode=verify-full.')
    return {connectionString, ssl: false, sslMode}
  }
  const ssl: ConnectionOptions = {}
  const rootCert = tls.get('sslrootcert')
  if (rootCert && rootCert !== 'system') ssl.ca = readTlsFile(rootCert, 'sslrootcert')
  const cert = tls.get('sslcert')
  const key = tls.get('sslkey')
  if (cert) ssl.cert = readTlsFile(cert, 'sslcert')
  if (key) ssl.key = readTlsFile(key, 'sslkey')
  // libpq: require checks nothing unless a root certificate is given, in which case it acts as verify-ca.
  const effective = sslMode === 'require' && rootCert ? 'verify-ca' : sslMode
  if (effective === 'require') ssl.rejectUnauthorized = false
  else {
    ssl.rejectUnauthorized = true
    if (effective === 'verify-ca') ssl.checkServerIdentity = () => undefined
  }
  return {connectionString, ssl, sslMode}
}

function splitOnce(text: string, separator: string): [string, string?] {
  const at = text.indexOf(separator)
  return at === -1 ? [text] : [text.slice(0, at), text.slice(at + 1)]
}

function readTlsFile(file: string, parameter: string): string {
  if (!existsSync(file)) throw usageError(`${parameter}: ${file} does not exist`, `Give the path of a PEM file readable by this user.`)
  return readFileSync(file, 'utf8')
}

/**
 * Opens the server's store: SQLite in the data dir (created with its schema if new), or PostgreSQL
 * (migrated to the current schema; `pg` imported only here).
 */
export async function openStore(options: OpenStoreOptions): Promise<OpenedStore> {
  const target = resolveDatabase(options)
  if (target.backend === 'sqlite') {
    mkdirSync(options.dataDir, {recursive: true, mode: 0o700})
    return new SqliteStore(openDatabase(target.file), {backgroundCheckpoints: options.backgroundCheckpoints})
  }
  const {PgStore} = await import('./postgres/pg-store.js')
  try {
    return await PgStore.open(target.connection.connectionString, {ssl: target.connection.ssl})
  } catch (error) {
    throw postgresError(error, target.display)
  }
}

/** A PostgreSQL failure as a RtccError that says what to do; other errors pass through unchanged. */
export function postgresError(error: unknown, display: string): unknown {
  if (error instanceof RtccError) return error
  const err = error as {code?: string; message?: string}
  const message = err?.message ?? String(error)
  if (['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ETIMEDOUT', 'EAI_AGAIN'].includes(err?.code ?? '')) {
    return new RtccError(`cannot reach PostgreSQL at ${display}: ${message}`, {code: 'database_unreachable', hint: 'Check the host and port in the URL and that PostgreSQL is running and accepts TCP connections.'})
  }
  if (/does not support SSL/i.test(message)) {
    return new RtccError(`PostgreSQL at ${display} does not offer TLS, but the URL asks for it (sslmode)`, {code: 'database_tls', hint: 'Enable ssl in postgresql.conf, or use sslmode=disable on a trusted network only.'})
  }
  if (/self[- ]signed|unable to (get|verify)|certificate|altnames/i.test(message)) {
    return new RtccError(`TLS to PostgreSQL at ${display} failed: ${message}`, {code: 'database_tls', hint: "Give the server's CA with sslrootcert=FILE, or check the host name in the URL (verify-full checks it)."})
  }
  if (err?.code === '3D000') return new RtccError(`${message} (${display})`, {code: 'database_missing', hint: 'Create it first: createdb -O rtcc rtcc (as the postgres user).'})
  if (err?.code === '28P01' || err?.code === '28000') return new RtccError(`PostgreSQL refused the login: ${message}`, {code: 'database_auth', exitCode: ExitCode.unauthorized, hint: 'Check the user and password in the URL and pg_hba.conf.'})
  if (err?.code === '42501' && /extension/i.test(message)) {
    return new RtccError(`${message}`, {code: 'database_permission', hint: 'A superuser must run CREATE EXTENSION postgis; once in this database (sudo -u postgres psql -d DBNAME -c "CREATE EXTENSION postgis").'})
  }
  if (/extension "postgis" is not available|could not open extension control file/i.test(message)) {
    return new RtccError(`PostGIS is not installed on the PostgreSQL server at ${display}`, {code: 'database_postgis', hint: 'Install it (Debian/Ubuntu: apt-get install postgresql-15-postgis-3), then run CREATE EXTENSION postgis; as a superuser.'})
  }
  return error
}
