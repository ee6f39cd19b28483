import {spawn} from 'node:child_process'
import {copyFileSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import Database from 'better-sqlite3'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {SqliteStore} from '../../src/lib/store/sqlite-store.js'
import {runCli} from '../helpers/cli.js'
import {runInProcess} from '../helpers/cli-in-process.js'
import {backendUnderTest} from '../helpers/database.js'
import {ADMIN, removeDir, startTestServer, tempDir, type TestServer} from '../helpers/server.js'

let t: TestServer
let configDir: string
const env = () => ({RTCC_CONFIG_DIR: configDir, RTCC_DATA_DIR: t.dataDir})
// Most commands run in this process (same dist/ code, same oclif handling, no Node start-up per call);
// `bin` goes through bin/run.js as a process for at least one command of each family here.
const cli = (args: string[], input?: string) => runInProcess(args, {env: env(), input})
const bin = (args: string[], input?: string) => runCli(args, {env: env(), input})

beforeAll(async () => {
  t = await startTestServer()
  configDir = tempDir('rtcc-cfg-')
})

afterAll(async () => {
  await t.stop()
  removeDir(t.dataDir)
  removeDir(configDir)
})

describe('rtcc CLI against a real server', () => {
  it('prints its version', async () => {
    const result = await bin(['--version'])
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^rtcc\/0\.1\.0 /)
  })

  it('refuses a login when the certificate does not match the given fingerprint, saving nothing', async () => {
    const result = await bin(['login', t.url, '--user', ADMIN.username, '--password-stdin', '--fingerprint', 'AA'.repeat(32)], ADMIN.password)
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('REFUSED')
    expect((await bin(['whoami'])).code).toBe(2)
  })

  it('non-interactive login without a fingerprint names the flag to pass', async () => {
    const result = await cli(['login', t.url, '--user', ADMIN.username, '--password-stdin'], ADMIN.password)
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('--fingerprint')
    expect(result.stderr).toContain(t.fingerprint)
  })

  it('logs in with --password-stdin and --fingerprint, then whoami --json prints one JSON document', async () => {
    const login = await cli(['login', t.url, '--user', ADMIN.username, '--password-stdin', '--fingerprint', t.fingerprint, '--json'], ADMIN.password + '\n')
    expect(login.code).toBe(0)
    expect(login.json()).toMatchObject({server: t.url, fingerprint: t.fingerprint, user: {username: ADMIN.username, role: 'admin'}})
    const whoami = await cli(['whoami', '--json'])
    expect(whoami.code).toBe(0)
    expect(whoami.json()).toMatchObject({role: 'admin', via: 'session'})
    const secrets = join(configDir, 'secrets.json')
    expect(readFileSync(secrets, 'utf8')).toContain('rtcc_s_')
    const {statSync} = await import('node:fs')
    expect(statSync(secrets).mode & 0o777).toBe(0o600)
  })

  it('adds a user, lists users as tab-separated rows when piped, and exits 4 for a role without access', async () => {
    const add = await cli(['user', 'add', 'nora', '--role', 'analyst', '--password-stdin', '--json'], 'Analyst-Passphrase-9')
    expect(add.code).toBe(0)
    expect(add.json()).toMatchObject({username: 'nora', role: 'analyst'})
    const list = await cli(['user', 'list'])
    expect(list.stdout.split('\n')).toContainEqual(expect.stringMatching(/^nora\tanalyst\tactive\toff\tusr_/))
    const token = await cli(['token', 'create', '--name', 'ro', '--role-scope', 'analyst', '--expires', '1h', '--json'])
    const denied = await runCli(['user', 'list', '--json'], {env: {...env(), RTCC_TOKEN: token.json<{token: string}>().token}})
    expect(denied.code).toBe(4)
    expect(denied.json()).toMatchObject({error: {code: 'forbidden'}})
    expect(denied.stderr).toContain('may not user.list')
  })

  it('exits 2 with a usage message for a bad flag', async () => {
    const result = await bin(['user', 'add', 'x', '--role', 'emperor'])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/emperor/)
    expect(result.stderr).not.toMatch(/\n\s+at /)
  })

  it('server init refuses to run twice', async () => {
    const pw = join(configDir, 'pw')
    writeFileSync(pw, 'Some-Other-Passphrase-1\n')
    const result = await cli(['server', 'init', '--admin-user', 'second', '--admin-password-file', pw, '--data-dir', t.dataDir, ...(t.database ? ['--database', t.database] : [])])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('already initialised')
  })

  it('events tail --json replays published events as JSON Lines', async () => {
    const first = await t.server.ctx.events.publish({type: 'test.ping', data: {n: 1}})
    await t.server.ctx.events.publish({type: 'other.thing', data: {}})
    await t.server.ctx.events.publish({type: 'test.ping', data: {n: 2}})
    const result = await bin(['events', 'tail', '--types', 'test.*', '--since-id', String(first.id - 1), '--limit', '2', '--json'])
    expect(result.code).toBe(0)
    const lines = result.stdout.trim().split('\n').map((l) => JSON.parse(l) as {type: string; data: {n: number}})
    expect(lines.map((e) => e.data.n)).toEqual([1, 2])
  })

  // SQLite only: offline verify reads a copy of the database file (db.backup), which a PostgreSQL server has not got.
  it.runIf(backendUnderTest() === 'sqlite')('saves a checkpoint, verifies online and offline (SQLite file copy), and catches a tampered or restored copy', async () => {
    const {db: live} = t.server.ctx.store as SqliteStore
    const head = join(configDir, 'head.json')
    expect((await cli(['audit', 'checkpoint', '-o', head])).code).toBe(0)
    const copyOld = join(configDir, 'old.db')
    await live.backup(copyOld)
    await cli(['whoami'])
    const head2 = join(configDir, 'head2.json')
    expect((await cli(['audit', 'checkpoint', '-o', head2])).code).toBe(0)
    const online = await cli(['audit', 'verify', '--since-checkpoint', head, '--json'])
    expect(online.code).toBe(0)
    expect(online.json()).toMatchObject({ok: true, sinceCheckpoint: {ok: true}})

    const copy = join(configDir, 'copy.db')
    await live.backup(copy)
    const pub = join(t.dataDir, 'audit-signing.pub')
    const offline = await cli(['audit', 'verify', '--db', copy, '--public-key', pub, '--since-checkpoint', head2, '--json'])
    expect(offline.code).toBe(0)

    const db = new Database(copy)
    db.prepare("UPDATE audit_records SET leaf = json_set(leaf, '$[8]', 'denied') WHERE seq = 3").run() // the outcome, in the stored leaf
    db.close()
    const tampered = await bin(['audit', 'verify', '--db', copy, '--public-key', pub])
    expect(tampered.code).toBe(1)
    expect(tampered.stderr).toContain('FAILED')
    expect(tampered.stderr).toMatch(/seq 3\b/)

    const restored = await cli(['audit', 'verify', '--db', copyOld, '--public-key', pub, '--since-checkpoint', head2, '--json'])
    expect(restored.code).toBe(1)
    expect(restored.json<{ok: boolean}>().ok).toBe(false)
  }, 180_000)

  it('audit prove prints an inclusion proof it has checked', async () => {
    const result = await cli(['audit', 'prove', '2', '--json'])
    expect(result.code).toBe(0)
    expect(result.json()).toMatchObject({verified: true, leafIndex: 1})
  })

  it('logout ends the session: the stored token no longer works', async () => {
    expect((await cli(['logout'])).code).toBe(0)
    const after = await bin(['whoami'])
    expect(after.code).toBe(4)
  })
})

describe('rtcc server start as a process', () => {
  it('prints {url, fingerprint} on one line, then on SIGTERM signs a final checkpoint and exits 0', async () => {
    const dataDir = tempDir()
    const bin = fileURLToPath(new URL('../../bin/run.js', import.meta.url))
    const child = spawn(process.execPath, [bin, 'server', 'start', '--port', '0', '--json', '--data-dir', dataDir], {stdio: ['ignore', 'pipe', 'pipe']})
    const line = await new Promise<string>((resolve, reject) => {
      let out = ''
      child.stdout.on('data', (d) => {
        out += d
        if (out.includes('\n')) resolve(out.split('\n')[0]!)
      })
      child.once('exit', (code) => reject(new Error(`server exited ${code}`)))
    })
    const started = JSON.parse(line) as {url: string; fingerprint: string}
    expect(started.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
    expect(started.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/)
    const health = await runCli(['doctor', '--json', '--server', started.url], {env: {RTCC_CONFIG_DIR: configDir}})
    expect(health.json<{checks: {name: string; ok: boolean}[]}>().checks.find((c) => c.name === 'certificate')?.ok).toBe(false)
    const code = await new Promise<number | null>((resolve) => {
      child.once('exit', resolve)
      child.kill('SIGTERM')
    })
    expect(code).toBe(0)
    const db = new Database(join(dataDir, 'rtcc.db'), {readonly: true})
    const {n} = db.prepare('SELECT count(*) AS n FROM audit_records').get() as {n: number}
    const {size} = db.prepare('SELECT max(size) AS size FROM audit_checkpoints').get() as {size: number}
    db.close()
    expect(size).toBe(n)
    for (const file of ['tls-key.pem', 'audit-signing.key', 'evidence-master.key']) {
      const {statSync} = await import('node:fs')
      expect(statSync(join(dataDir, file)).mode & 0o777).toBe(0o600)
    }
    rmSync(dataDir, {recursive: true, force: true})
  })

  it('refuses loudly when a pinned server presents a different certificate', async () => {
    const dataDir = tempDir()
    const first = await startTestServer({dataDir})
    const port = new URL(first.url).port
    const cfg = tempDir('rtcc-cfg-')
    const login = await runCli(['login', first.url, '--user', ADMIN.username, '--password-stdin', '--fingerprint', first.fingerprint], {env: {RTCC_CONFIG_DIR: cfg}, input: ADMIN.password})
    expect(login.code).toBe(0)
    await first.stop()
    for (const file of ['tls-cert.pem', 'tls-key.pem']) rmSync(join(dataDir, file))
    // A PostgreSQL test server keeps no rtcc.db in its data dir.
    if (backendUnderTest() === 'sqlite') copyFileSync(join(dataDir, 'rtcc.db'), join(dataDir, 'rtcc.db.bak'))
    const second = await startTestServer({dataDir, port: Number(port)})
    try {
      expect(second.fingerprint).not.toBe(first.fingerprint)
      const whoami = await runCli(['whoami'], {env: {RTCC_CONFIG_DIR: cfg}})
      expect(whoami.code).toBe(1)
      expect(whoami.stderr).toContain("REFUSED: the server's certificate changed")
      const relogin = await runCli(['login', first.url, '--user', ADMIN.username, '--password-stdin'], {env: {RTCC_CONFIG_DIR: cfg}, input: ADMIN.password})
      expect(relogin.code).toBe(1)
      expect(relogin.stderr).toContain('CHANGED')
    } finally {
      await second.stop()
      removeDir(dataDir)
      removeDir(cfg)
    }
  })
})
