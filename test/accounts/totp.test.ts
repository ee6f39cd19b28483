/** TOTP: each code is accepted once, and secrets are sealed at rest with a key kept outside the database. */
import {randomBytes} from 'node:crypto'
import {existsSync, readFileSync, statSync} from 'node:fs'
import {join} from 'node:path'
import * as OTPAuth from 'otpauth'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {ApiClient} from '../../src/lib/client/api.js'
import type {WhoAmI} from '../../src/lib/domain/auth.js'
import {openDatabase} from '../../src/lib/store/db.js'
import {removeDir, startTestServer, type TestServer} from '../helpers/server.js'
import {backendUnderTest} from '../helpers/database.js'
import {failure} from '../helpers/failure.js'

const onSqlite = backendUnderTest() === 'sqlite'

const PASSWORD = 'Test-User-Passphrase-42'
let t: TestServer

beforeAll(async () => {
  t = await startTestServer()
})

afterAll(async () => {
  await t.stop()
  removeDir(t.dataDir)
})

const totpOf = (secret: string) => new OTPAuth.TOTP({secret: OTPAuth.Secret.fromBase32(secret), digits: 6, period: 30})
/** A code of the next time step: the current one may have been spent confirming the enrolment. */
const nextCode = (totp: OTPAuth.TOTP) => totp.generate({timestamp: Date.now() + 30_000})

async function enrol(client: ApiClient): Promise<OTPAuth.TOTP> {
  const {secret} = await client.post<{secret: string}>('/v1/auth/mfa/enroll')
  const totp = totpOf(secret)
  await client.post('/v1/auth/mfa/confirm', {otp: totp.generate()})
  return totp
}

/** The database as stored on disk, write-ahead log included. */
const databaseBytes = () => Buffer.concat(['rtcc.db', 'rtcc.db-wal'].map((f) => join(t.dataDir, f)).filter(existsSync).map((f) => readFileSync(f)))

describe('TOTP second factor', () => {
  it('a TOTP code is accepted once: the same code again is refused', async () => {
    const totp = await enrol(await t.userClient('quinn', 'investigator'))
    const code = nextCode(totp)
    const session = await t.login('quinn', PASSWORD, code)
    expect((await session.get<WhoAmI>('/v1/auth/whoami')).user.mfaEnabled).toBe(true)
    const replay = await failure(t.login('quinn', PASSWORD, code))
    expect(replay.code).toBe('otp_invalid')
    expect(replay.message).toContain('already used')
  })

  it('the code that confirmed the enrolment cannot be replayed to log in', async () => {
    const client = await t.userClient('rosa', 'investigator')
    const {secret} = await client.post<{secret: string}>('/v1/auth/mfa/enroll')
    const code = totpOf(secret).generate()
    await client.post('/v1/auth/mfa/confirm', {otp: code})
    expect((await failure(t.login('rosa', PASSWORD, code))).code).toBe('otp_invalid')
  })

  it('TOTP secrets, enrolled or pending, appear nowhere in the database files', async () => {
    const enrolled = await t.userClient('sami', 'supervisor')
    const {secret} = await enrolled.post<{secret: string}>('/v1/auth/mfa/enroll')
    await enrolled.post('/v1/auth/mfa/confirm', {otp: totpOf(secret).generate()})
    const pending = await (await t.userClient('tess', 'analyst')).post<{secret: string}>('/v1/auth/mfa/enroll')
    const bytes = databaseBytes()
    expect(bytes.includes(secret)).toBe(false)
    expect(bytes.includes(pending.secret)).toBe(false)
    // the key lives beside the database, readable only by the server's user
    expect(statSync(join(t.dataDir, 'mfa-secrets.key')).mode & 0o777).toBe(0o600)
    await t.login('sami', PASSWORD, nextCode(totpOf(secret)))
  })

  it('a secret that does not open with the key file is refused with an error naming the fix', async () => {
    const totp = await enrol(await t.userClient('vera', 'analyst'))
    const realKey = t.server.ctx.secrets.mfaKey
    t.server.ctx.secrets.mfaKey = randomBytes(32)
    try {
      const error = await failure(t.login('vera', PASSWORD, nextCode(totp)))
      expect(error.code).toBe('mfa_key_mismatch')
      expect(error.message).toContain('mfa-secrets.key')
    } finally {
      t.server.ctx.secrets.mfaKey = realKey
    }
  })

  // Older versions ran on SQLite only: the upgrade path that seals their plain secrets is SQLite's.
  it.runIf(onSqlite)('plain TOTP secrets left by an older version are sealed at start and still work', async () => {
    await t.admin.post('/v1/users', {username: 'uma', password: PASSWORD, role: 'analyst'})
    await t.stop()
    const plain = new OTPAuth.Secret({size: 20}).base32
    const db = openDatabase(join(t.dataDir, 'rtcc.db'))
    db.prepare('UPDATE users SET mfa_secret = ? WHERE username = ?').run(plain, 'uma')
    db.close()
    expect(databaseBytes().includes(plain)).toBe(true)

    t = await startTestServer({dataDir: t.dataDir})
    expect(databaseBytes().includes(plain)).toBe(false)
    const uma = await t.login('uma', PASSWORD, totpOf(plain).generate())
    expect((await uma.get<WhoAmI>('/v1/auth/whoami')).user.mfaEnabled).toBe(true)
  })
})
