/**
 * Time to issue a canvass to 500 owners (1000 cameras within 1 km), through the real API and server:
 * one request and one email (outbox transport) per owner, each audited and published as an event.
 * On SQLite and, when reachable (see lib/postgres.ts), on PostgreSQL in a database of its own.
 */
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {ApiClient} from '../src/lib/client/api.js'
import {fetchCertificate} from '../src/lib/client/pinning.js'
import type {SessionView} from '../src/lib/domain/auth.js'
import {IMPORT_OPTIONS_HEADER} from '../src/lib/domain/registry-import.js'
import type {CanvassResult} from '../src/lib/domain/requests.js'
import {startServer} from '../src/lib/server/app.js'
import {initServer} from '../src/lib/server/init.js'
import {benchPostgresUrl, withBenchDatabase} from './lib/postgres.js'

export async function run(owners = 500): Promise<Record<string, unknown>> {
  const sqlite = await canvass(owners)
  const postgresUrl = await benchPostgresUrl()
  return {...sqlite, ...(postgresUrl ? {postgres: await withBenchDatabase(postgresUrl, 'canvass', (url) => canvass(owners, url))} : {})}
}

/** One canvass on a fresh server: SQLite in its data dir, or the PostgreSQL database `database`. */
async function canvass(owners: number, database?: string): Promise<Record<string, unknown>> {
  const dataDir = mkdtempSync(join(tmpdir(), 'rtcc-bench-canvass-'))
  const admin = {username: 'boss', password: 'Chief-Of-Benchmarks-42'}
  await initServer(dataDir, admin, database)
  const server = await startServer({dataDir, database, port: 0, version: 'bench'})
  try {
    const {pem, fingerprint} = await fetchCertificate(server.url)
    const pin = {certPem: pem, fingerprint}
    const session = await new ApiClient({baseUrl: server.url, pin}).post<SessionView>('/v1/auth/login', admin)
    const api = new ApiClient({baseUrl: server.url, pin, token: session.token})
    const rows = ['external_id,name,latitude,longitude,owner_email,owner_name,records,retention_days,location_type']
    for (let o = 0; o < owners; o++)
      for (let c = 0; c < 2; c++) {
        const angle = ((o * 2 + c) / (owners * 2)) * 2 * Math.PI
        const r = 0.004 * (0.2 + ((o * 7 + c) % 10) / 10)
        rows.push(`O${o}C${c},Camera ${c} of owner ${o},${(41.88 + r * Math.sin(angle)).toFixed(6)},${(-87.63 + r * Math.cos(angle)).toFixed(6)},owner${o}@example.org,Owner ${o},yes,30,business`)
      }
    await api.http.post('v1/registry/import', {body: rows.join('\n'), headers: {'content-type': 'application/octet-stream', [IMPORT_OPTIONS_HEADER]: JSON.stringify({format: 'csv', source: 'bench'})}})
    const to = new Date(Date.now() - 3600_000).toISOString()
    const from = new Date(Date.now() - 7200_000).toISOString()
    const started = performance.now()
    const result = await api.post<CanvassResult>('/v1/requests/canvass', {latitude: 41.88, longitude: -87.63, radius: '1km', from, to, caseId: 'BENCH-1', reason: 'benchmark canvass'})
    const seconds = (performance.now() - started) / 1000
    return {owners: result.requests.length, cameras: result.requests.reduce((n, r) => n + r.cameras.length, 0), seconds: Math.round(seconds * 100) / 100, msPerOwner: Math.round((seconds * 1000) / result.requests.length * 10) / 10, mail: 'outbox (.eml files)'}
  } finally {
    await server.close()
    rmSync(dataDir, {recursive: true, force: true})
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(JSON.stringify(await run(), null, 2))
