/** Failed logins: a timed lockout per name that spares live credentials and does not reveal which names exist. */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {AuditRecord} from '../../src/lib/audit/record.js'
import {ApiClient} from '../../src/lib/client/api.js'
import type {TokenView, UserView, WhoAmI} from '../../src/lib/domain/auth.js'
import {runCli} from '../helpers/cli.js'
import {runInProcess} from '../helpers/cli-in-process.js'
import {ADMIN, removeDir, startTestServer, type TestServer} from '../helpers/server.js'
import {failure} from '../helpers/failure.js'

const PASSWORD = 'Test-User-Passphrase-42'
// These tests log in far more often than one address may (30 a minute); the limit has its own tests.
const rateLimits = {'POST /v1/auth/login': {max: 10_000, windowSeconds: 60}}
let t: TestServer

beforeAll(async () => {
  t = await startTestServer({rateLimits})
})

afterAll(async () => {
  await t.stop()
  removeDir(t.dataDir)
})


/** What a login attempt tells the caller, with the name typed replaced, so two names can be compared. */
async function answer(username: string, password: string): Promise<string> {
  const error = await failure(t.login(username, password))
  return `${error.exitCode} ${error.code} ${error.message.replaceAll(username, 'NAME').replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/, 'TIME')}`
}

async function lockOut(username: string): Promise<string[]> {
  const answers = []
  for (let i = 0; i < 5; i++) answers.push(await answer(username, 'wrong-password'))
  return answers
}

describe('lockout after failed logins', () => {
  it("failed logins do not end the account's live session or its tokens", async () => {
    const session = await t.userClient('dana', 'investigator')
    const {token} = await session.post<TokenView & {token: string}>('/v1/tokens', {name: 'cron', expiresInSeconds: 3600})
    expect((await lockOut('dana')).at(-1)).toMatch(/^4 account_locked /)
    expect((await session.get<WhoAmI>('/v1/auth/whoami')).user.username).toBe('dana')
    expect((await new ApiClient({baseUrl: t.url, pin: t.pin, token}).get<WhoAmI>('/v1/auth/whoami')).via).toBe('token')
    // while locked even the right password is refused
    expect(await answer('dana', PASSWORD)).toMatch(/^4 account_locked /)
  })

  it('a lockout ends by itself after 15 minutes', async () => {
    await t.admin.post('/v1/users', {username: 'lena', password: PASSWORD, role: 'analyst'})
    await lockOut('lena')
    expect((await t.admin.get<UserView[]>('/v1/users')).find((u) => u.username === 'lena')?.locked).toBe(true)
    const realNow = t.server.ctx.now
    t.server.ctx.now = () => new Date(Date.now() + 15 * 60_000 + 1000)
    try {
      const lena = await t.login('lena', PASSWORD)
      expect((await lena.get<WhoAmI>('/v1/auth/whoami')).user.locked).toBe(false)
    } finally {
      t.server.ctx.now = realNow
    }
  })

  it('an unknown user name gets the same answers and the same lockout as a known one', async () => {
    await t.admin.post('/v1/users', {username: 'kim', password: PASSWORD, role: 'analyst'})
    const known = await lockOut('kim')
    const unknown = await lockOut('kim-nobody')
    expect(unknown).toEqual(known)
    expect(known.slice(0, 4).every((a) => a.startsWith('4 invalid_credentials '))).toBe(true)
    expect(known[4]).toMatch(/^4 account_locked too many failed logins for "NAME": try again after TIME/)
    expect(await answer('kim-nobody', PASSWORD)).toEqual(await answer('kim', PASSWORD))
  })

  it('an unknown user name costs the same password hashing time as a known one', async () => {
    await t.admin.post('/v1/users', {username: 'tim', password: PASSWORD, role: 'analyst'})
    const time = async (username: string) => {
      const start = performance.now()
      await failure(t.login(username, 'wrong-password'))
      return performance.now() - start
    }
    const known: number[] = []
    const unknown: number[] = []
    for (let i = 0; i < 3; i++) {
      known.push(await time('tim'))
      unknown.push(await time('tim-nobody'))
    }
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[1]!
    // scrypt dominates (~70 ms); skipping it for unknown names would make them several times faster
    expect(median(unknown) / median(known)).toBeGreaterThan(0.5)
    expect(median(unknown) / median(known)).toBeLessThan(2)
  })

  it("an admin's lock ends the user's sessions and lasts past 15 minutes until `user unlock`", async () => {
    const nia = await t.userClient('nia', 'analyst')
    await t.admin.post('/v1/users/nia/lock')
    expect((await failure(nia.get('/v1/auth/whoami'))).exitCode).toBe(4)
    const realNow = t.server.ctx.now
    t.server.ctx.now = () => new Date(Date.now() + 60 * 60_000)
    try {
      const error = await failure(t.login('nia', PASSWORD))
      expect(error.code).toBe('account_locked')
      expect(error.message).toContain('locked by an admin')
    } finally {
      t.server.ctx.now = realNow
    }
    await t.admin.post('/v1/users/nia/unlock')
    expect((await (await t.login('nia', PASSWORD)).get<WhoAmI>('/v1/auth/whoami')).user.locked).toBe(false)
  })

  it('a wrong password for an admin-locked account reads like any wrong password', async () => {
    await t.admin.post('/v1/users', {username: 'ola', password: PASSWORD, role: 'analyst'})
    await t.admin.post('/v1/users/ola/lock')
    expect(await answer('ola', 'wrong-password')).toEqual(await answer('ola-nobody', 'wrong-password'))
  })
})

describe('rtcc server unlock', () => {
  it('frees the only admin, locked out with the server stopped, and the audit log records it as a local action', async () => {
    await lockOut(ADMIN.username)
    await t.stop()

    const database = t.database ? ['--database', t.database] : []
    const unlocked = await runCli(['server', 'unlock', ADMIN.username, '--data-dir', t.dataDir, ...database, '--json'])
    expect(unlocked.code).toBe(0)
    const result = unlocked.json<{user: UserView; lockedOutUntil: string | null; lockedByAdmin: boolean}>()
    expect(result.user.locked).toBe(false)
    expect(result.lockedOutUntil).not.toBeNull()

    // the restarted server logs the admin in (startTestServer does) at once
    t = await startTestServer({dataDir: t.dataDir, rateLimits})
    const records = await t.admin.get<AuditRecord[]>('/v1/audit', {action: 'server.unlock'})
    expect(records).toHaveLength(1)
    expect(records[0]).toMatchObject({source: 'local', outcome: 'allowed', target: result.user.id})
    expect(records[0]!.actorName).toMatch(/^local:/)
  })

  it('names the data dir when the user does not exist', async () => {
    // In this process (same dist/ code and oclif handling); the unlock above runs bin/run.js as a process.
    const missing = await runInProcess(['server', 'unlock', 'nobody-here', '--data-dir', t.dataDir, ...(t.database ? ['--database', t.database] : [])])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain(`no user "nobody-here" in ${t.dataDir}`)
  })
})
