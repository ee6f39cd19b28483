/**
 * The data dir holds password hashes and owners' personal data: it is created owner-only (folders
 * 0700, files 0600, the SQLite WAL and SHM too), and a server whose data dir someone loosened refuses to
 * start, naming the path, its mode and the chmod that fixes it.
 */
import {chmodSync, readdirSync, statSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'

import type {RtccError} from '../../src/lib/errors.js'
import {startServer} from '../../src/lib/server/app.js'
import {runCli} from '../helpers/cli.js'
import {backendUnderTest} from '../helpers/database.js'
import {removeDir, startTestServer, tempDir} from '../helpers/server.js'

// On PostgreSQL the rows live in the database server; the data dir still holds keys, certificate and evidence.
const SQLITE_FILES = backendUnderTest() === 'sqlite' ? ['rtcc.db', 'rtcc.db-wal', 'rtcc.db-shm'] : []

const root = tempDir()
// Made by the server itself (not mkdtemp, which is 0700 already).
const dataDir = join(root, 'data')

afterAll(() => removeDir(root))

/** Every path under dir with its permission bits and whether it is a folder. */
function modes(dir: string): Map<string, {mode: number; folder: boolean}> {
  const entry = (path: string) => {
    const stat = statSync(path)
    return [path, {mode: stat.mode & 0o777, folder: stat.isDirectory()}] as const
  }
  return new Map([entry(dir), ...readdirSync(dir, {recursive: true}).map((name) => entry(join(dir, String(name))))])
}

describe('data dir permissions', () => {
  it('a new data dir is owner-only: the folder 0700 and every file in it 0600, rtcc.db and its WAL and SHM too', async () => {
    const t = await startTestServer({dataDir})
    await t.anonymous().post('/v1/owners/signup', {username: 'corner-shop', password: 'Corner-Store-Passphrase-7', profile: {displayName: 'Mo', email: 'mo@example.org'}})
    const found = modes(dataDir)
    await t.stop()
    for (const file of [...SQLITE_FILES, 'tls-cert.pem', 'audit-signing.pub', 'evidence-master.key']) expect(found.get(join(dataDir, file))?.mode).toBe(0o600)
    const loose = [...found].filter(([, {mode, folder}]) => mode !== (folder ? 0o700 : 0o600))
    expect(loose).toEqual([])
  })

  it('refuses to start when a file (the database, or the evidence key) was made readable by others, naming the file, its mode and `chmod 600`', async () => {
    const db = join(dataDir, SQLITE_FILES.length > 0 ? 'rtcc.db' : 'evidence-master.key')
    chmodSync(db, 0o644)
    const error = (await startServer({dataDir, port: 0, version: 'test'}).then(() => undefined, (e: RtccError) => e))!
    expect(error.code).toBe('data_dir_permissions')
    expect(error.message).toContain(`${db}: file mode 0644, should be 0600`)
    expect(error.hint).toContain(`chmod 600 '${db}'`)
    chmodSync(db, 0o600)
  })

  it('rtcc server start refuses a data dir open to other users, naming it, its mode and `chmod 700` (exit 1)', async () => {
    chmodSync(dataDir, 0o755)
    const result = await runCli(['server', 'start', '--data-dir', dataDir, '--port', '0'])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(`${dataDir}: folder mode 0755, should be 0700`)
    expect(result.stderr).toContain(`chmod 700 '${dataDir}'`)
    expect(result.stderr).not.toMatch(/at .*\.js:\d+/)
    chmodSync(dataDir, 0o700)
    const again = await startTestServer({dataDir})
    await again.stop()
  })
})
