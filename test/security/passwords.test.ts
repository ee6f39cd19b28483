/** Password strength is zxcvbn's estimate with the user's own name and email as known words. */
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {runCli} from '../helpers/cli.js'
import {runInProcess} from '../helpers/cli-in-process.js'
import {removeDir, startTestServer, tempDir, type TestServer} from '../helpers/server.js'
import {failure} from '../helpers/failure.js'

let t: TestServer

beforeAll(async () => {
  t = await startTestServer()
})

afterAll(async () => {
  await t.stop()
  removeDir(t.dataDir)
})

const signup = (username: string, password: string) =>
  t.anonymous().post('/v1/owners/signup', {username, password, profile: {displayName: 'Mo Patel', email: 'mo.patel@example.org'}})

describe('password strength', () => {
  it('refuses password123 and admin123 as too easy to guess, saying why', async () => {
    for (const password of ['password123', 'admin123']) {
      const error = await failure(t.admin.post('/v1/users', {username: 'carla', password, role: 'analyst'}))
      expect(error.code).toBe('invalid')
      expect(error.message).toMatch(/^password is too easy to guess \(zxcvbn strength [0-2] of 4, at least 3 needed\): This is a commonly used password/)
    }
  })

  it("refuses at owner signup a password built on the owner's own name and email, which passes for someone else", async () => {
    const error = await failure(signup('corner-shop', 'Patel1975!'))
    expect(error.message).toContain('too easy to guess')
    expect(error.message).toContain('personal')
    await expect(t.admin.post('/v1/users', {username: 'dana', password: 'Patel1975!', role: 'analyst'})).resolves.toBeTruthy()
  })

  it('refuses a password that contains the user name', async () => {
    expect((await failure(signup('marisol', 'Marisol-Xq9#mK2$pL'))).message).toBe('password must not contain the user name')
  })

  it('rtcc server init refuses a weak first admin password and creates nobody', async () => {
    const dataDir = join(tempDir(), 'data')
    const pw = join(tempDir(), 'admin.pw')
    writeFileSync(pw, 'admin123\n')
    const weak = await runCli(['server', 'init', '--admin-user', 'chief', '--admin-password-file', pw, '--data-dir', dataDir, '--json'])
    expect(weak.code).toBe(1)
    expect(weak.json<{error: {code: string; message: string}}>().error).toMatchObject({code: 'weak_password', message: expect.stringContaining('commonly used password')})
    writeFileSync(pw, 'Long-Uncommon-Passphrase-4\n')
    // In this process (same dist/ code and oclif handling); the refusal above runs bin/run.js as a process.
    expect((await runInProcess(['server', 'init', '--admin-user', 'chief', '--admin-password-file', pw, '--data-dir', dataDir])).code).toBe(0)
    removeDir(join(dataDir, '..'))
    removeDir(join(pw, '..'))
  })
})
