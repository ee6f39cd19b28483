/** `rtcc server migrate`: pending migrations shown and applied on SQLite and on PostgreSQL, through the real CLI. */
import {existsSync} from 'node:fs'
import {join} from 'node:path'

import Database from 'better-sqlite3'
import pg from 'pg'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {migrations} from '../../src/lib/store/migrations.js'
import {postgresMigrations} from '../../src/lib/store/postgres/schema.js'
import type {MigrationReport} from '../../src/lib/store/schema-migrations.js'
import {runCli} from '../helpers/cli.js'
import {createTestDatabase, type TestDatabase} from '../helpers/database.js'
import {removeDir, tempDir} from '../helpers/server.js'

let work: string
let database: TestDatabase
beforeAll(async () => {
  work = tempDir('rtcc-migrate-')
  database = await createTestDatabase()
})
afterAll(async () => {
  await database?.drop()
  removeDir(work)
})

const migrate = (args: string[], env: Record<string, string | undefined> = {}) => runCli(['server', 'migrate', ...args], {env: {RTCC_DATABASE_URL: undefined, ...env}, timeoutMs: 60_000})

describe('rtcc server migrate on SQLite', () => {
  it('a dry run lists every migration of a new data dir with its title and creates nothing; then applies them; then nothing is pending', async () => {
    const dir = join(work, 'new')
    const dry = await migrate(['--data-dir', dir, '--dry-run'])
    expect(dry.code).toBe(0)
    expect(dry.stdout).toMatch(/schema version 0, \d+ pending migrations:/)
    expect(dry.stdout).toMatch(/^\s+1 {2}identity, sessions, tokens, audit log$/m)
    expect(dry.stdout).toContain('dry run: nothing applied')
    expect(existsSync(join(dir, 'rtcc.db'))).toBe(false)

    const applied = await migrate(['--data-dir', dir, '--json'])
    expect(applied.code).toBe(0)
    const report = applied.json<MigrationReport>()
    expect(report).toMatchObject({backend: 'sqlite', from: 0, to: migrations.length, latest: migrations.length, dryRun: false})
    expect(report.applied.map((s) => s.version)).toEqual(migrations.map((_sql, i) => i + 1))
    expect(report.applied.every((s) => s.title.length > 0 && s.title !== '(untitled)')).toBe(true)

    const again = await migrate(['--data-dir', dir])
    expect(again.stdout).toContain(`schema version ${migrations.length}, up to date`)
  })

  it('brings an older database forward, keeping its rows', async () => {
    const dir = tempDir('rtcc-migrate-old-')
    try {
      const db = new Database(join(dir, 'rtcc.db'))
      for (const sql of migrations.slice(0, 3)) db.exec(sql)
      db.pragma('user_version = 3')
      db.prepare("INSERT INTO users (id, username, role, password_hash, created_at, updated_at) VALUES ('usr_1', 'old', 'admin', 'x', 't', 't')").run()
      db.close()
      const dry = await migrate(['--data-dir', dir, '--dry-run', '--json'])
      expect(dry.json<MigrationReport>()).toMatchObject({from: 3, to: 3, applied: []})
      expect(dry.json<MigrationReport>().pending.map((s) => s.version)).toEqual(migrations.map((_sql, i) => i + 1).slice(3))
      const applied = await migrate(['--data-dir', dir])
      expect(applied.stdout).toMatch(new RegExp(`applied ${migrations.length - 3}: schema version ${migrations.length}`))
      const after = new Database(join(dir, 'rtcc.db'), {readonly: true})
      expect(after.pragma('user_version', {simple: true})).toBe(migrations.length)
      expect(after.prepare('SELECT username FROM users').pluck().all()).toEqual(['old'])
      after.close()
    } finally {
      removeDir(dir)
    }
  })

  it('refuses a database newer than this rtcc', async () => {
    const dir = tempDir('rtcc-migrate-new-')
    try {
      const db = new Database(join(dir, 'rtcc.db'))
      db.pragma('user_version = 99')
      db.close()
      const result = await migrate(['--data-dir', dir, '--json'])
      expect(result.code).toBe(1)
      expect(result.json<{error: {code: string}}>().error.code).toBe('schema_too_new')
    } finally {
      removeDir(dir)
    }
  })
})

describe('rtcc server migrate on PostgreSQL', () => {
  it('a dry run shows the pending migrations and writes nothing; applying creates the schema once', async () => {
    const client = new pg.Client({connectionString: database.url})
    await client.connect()
    try {
      const dry = await migrate(['--database', database.url, '--dry-run', '--json'])
      expect(dry.code).toBe(0)
      const planned = dry.json<MigrationReport>()
      expect(planned).toMatchObject({backend: 'postgres', from: 0, to: 0, latest: postgresMigrations.length, applied: [], dryRun: true})
      expect(planned.pending[0]).toMatchObject({version: 1, title: expect.stringMatching(/schema/)})
      expect((await client.query("SELECT to_regclass('rtcc_schema') AS t, to_regclass('users') AS u")).rows[0]).toEqual({t: null, u: null})

      // RTCC_DATABASE_URL is the default database.
      const applied = await migrate([], {RTCC_DATABASE_URL: database.url})
      expect(applied.code).toBe(0)
      expect(applied.stdout).toMatch(new RegExp(`^PostgreSQL ${database.url.replace(/[.?]/g, '\\$&')}: schema version 0`, 'm'))
      expect(applied.stdout).toContain(`applied ${postgresMigrations.length}: schema version ${postgresMigrations.length}`)
      expect((await client.query('SELECT max(version)::int AS v FROM rtcc_schema')).rows[0].v).toBe(postgresMigrations.length)

      const again = await migrate(['--database', database.url, '--json'])
      expect(again.json<MigrationReport>()).toMatchObject({from: postgresMigrations.length, to: postgresMigrations.length, pending: [], applied: []})
    } finally {
      await client.end()
    }
  })

  it('--data-dir named explicitly means SQLite even with RTCC_DATABASE_URL set; --database with --data-dir is a usage error', async () => {
    const dir = join(work, 'explicit')
    const sqlite = await migrate(['--data-dir', dir, '--dry-run', '--json'], {RTCC_DATABASE_URL: database.url})
    expect(sqlite.json<MigrationReport>().backend).toBe('sqlite')
    const both = await migrate(['--data-dir', dir, '--database', database.url])
    expect(both.code).toBe(2)
  })

  it('names the accepted schemes for any other URL (exit 2) and says when the server is unreachable', async () => {
    const other = await migrate(['--database', 'mongodb://db/rtcc'])
    expect(other.code).toBe(2)
    expect(other.stderr).toMatch(/rtcc accepts postgres:\/\/ or postgresql:\/\//)
    const closed = await migrate(['--database', 'postgres://rtcc:pw@127.0.0.1:1/rtcc'])
    expect(closed.code).toBe(1)
    expect(closed.stderr).toMatch(/cannot reach PostgreSQL at postgres:\/\/rtcc:\*\*\*@127\.0\.0\.1:1\/rtcc/)
  })
})
