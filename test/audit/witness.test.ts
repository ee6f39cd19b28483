/** Item 9: every client remembers the newest checkpoint it saw and refuses a server whose log forked or shrank. */
import {copyFileSync, existsSync, readdirSync, rmSync} from 'node:fs'
import {createServer} from 'node:net'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {openDatabase} from '../../src/lib/store/db.js'
import {runCli} from '../helpers/cli.js'
import {removeDir, startTestServer, tempDir, type TestServer} from '../helpers/server.js'
import {backendUnderTest} from '../helpers/database.js'
import {editLeaf, rehashLeaf} from './helpers.js'

const onSqlite = backendUnderTest() === 'sqlite'

let t: TestServer
let port: number
let configDir: string

const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const {port} = probe.address() as {port: number}
      probe.close(() => resolve(port))
    })
  })

const cli = (args: string[]) =>
  runCli(args, {env: {RTCC_CONFIG_DIR: configDir, RTCC_SERVER: t.url, RTCC_FINGERPRINT: t.fingerprint, RTCC_TOKEN: t.admin.options.token!}})

/** Restarts the server on the same data dir and port (same URL), keeping the admin's token. */
async function restart(): Promise<void> {
  const token = t.admin.options.token!
  await t.stop()
  t = await startTestServer({dataDir: t.dataDir, port})
  t.admin.options.token = token
}

beforeEach(async () => {
  port = await freePort()
  configDir = tempDir()
  t = await startTestServer({port})
})
afterEach(async () => {
  await t.stop()
  removeDir(t.dataDir)
  removeDir(configDir)
})

describe('clients witness the audit log', () => {
  // Forges the log by editing the SQLite file directly; on PostgreSQL the same forgery (plain SQL) is caught in test/store/audit.test.ts.
  it.runIf(onSqlite)('a CLI that saw a checkpoint refuses the server after its history was rewritten and re-signed', async () => {
    expect((await cli(['whoami', '--json'])).code).toBe(0)
    expect(readdirSync(join(configDir, 'checkpoints'))).toHaveLength(1)
    const seen = (await cli(['audit', 'verify', '--json'])).json<{sinceCheckpoint: {file: string; size: number; ok: boolean}}>().sinceCheckpoint
    expect(seen).toMatchObject({file: 'remembered', ok: true})

    // An insider with the data dir rewrites record 2 and everything that could betray it, then restarts:
    // the server's own start-up check has nothing left to compare with and signs the forged log.
    await t.stop()
    const db = openDatabase(join(t.dataDir, 'rtcc.db'))
    editLeaf(db, 2, {action: 'user.delete'})
    rehashLeaf(db, 2)
    db.prepare('DELETE FROM audit_checkpoints').run()
    db.close()
    rmSync(join(t.dataDir, 'audit-checkpoint.note'))
    await restart()

    const refused = await cli(['whoami', '--json'])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/REFUSED: the audit log of https:\/\/127\.0\.0\.1:\d+ FORKED: it does not extend the checkpoint you saw/)
    expect(refused.stderr).toMatch(new RegExp(`you saw: +size ${seen.size}, root `))
    expect(refused.json<{error: {code: string}}>().error.code).toBe('audit_log_forked')
  })

  // Forges the log by editing the SQLite file directly; on PostgreSQL the same forgery (plain SQL) is caught in test/store/audit.test.ts.
  it.runIf(onSqlite)('a CLI refuses a server restored from an older copy of its database (the log shrank)', async () => {
    expect((await cli(['whoami'])).code).toBe(0)
    await t.stop()
    const backup = tempDir()
    for (const file of ['rtcc.db', 'audit-checkpoint.note']) copyFileSync(join(t.dataDir, file), join(backup, file))
    await restart()
    for (let i = 0; i < 3; i++) await t.admin.get('/v1/users')
    await restart()
    const grown = await cli(['audit', 'checkpoint', '--json'])
    const seenSize = grown.json<{size: number}>().size

    await t.stop()
    for (const file of ['rtcc.db', 'audit-checkpoint.note']) copyFileSync(join(backup, file), join(t.dataDir, file))
    for (const wal of ['rtcc.db-wal', 'rtcc.db-shm']) if (existsSync(join(t.dataDir, wal))) rmSync(join(t.dataDir, wal))
    removeDir(backup)
    await restart()

    const refused = await cli(['registry', 'list', '--json'])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(new RegExp(`SHRANK: it has \\d+ records, fewer than the \\d+ you saw`))
    expect(refused.stderr).toMatch(/you saw: +size \d+/)
    expect(seenSize).toBeGreaterThan(0)
  })
})
