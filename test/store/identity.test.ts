/** The identity repositories (users, failed logins, lockouts, sessions, API tokens): the same cases on SQLite and PostgreSQL. */
import {describe, expect, it} from 'vitest'

import {toUserView} from '../../src/lib/store/users.js'
import {BACKENDS, useBackendStore} from './backends.js'

const T0 = new Date('2026-12-01T10:00:00.000Z')
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000)

describe.each(BACKENDS)('identity repositories on %s', (backend) => {
  const store = useBackendStore(backend)

  it('finds users by name in any letter case, keeps names unique regardless of case, and lists them by name', async () => {
    const chief = await store.users.insertUser({username: 'Chief', role: 'admin', passwordHash: 'h1', displayName: 'The Chief'})
    expect(chief).toMatchObject({
      username: 'Chief', display_name: 'The Chief', role: 'admin', password_hash: 'h1', disabled: 0, locked_at: null, locked_until: null,
      mfa_secret: null, mfa_pending_secret: null, mfa_required: 0, mfa_last_step: null, agency_id: null,
    })
    expect(chief.id).toMatch(/^usr_/)
    expect(chief.created_at).toBe(chief.updated_at)
    expect((await store.users.findUserByName('cHIEF'))?.id).toBe(chief.id)
    expect(await store.users.findUserById(chief.id)).toEqual(chief)
    await expect(store.users.insertUser({username: 'CHIEF', role: 'analyst', passwordHash: 'h2'})).rejects.toThrow()
    const owner = await store.users.insertUser({username: 'alice', role: 'owner', passwordHash: 'h3'})
    expect(owner.id).toMatch(/^own_/)
    await store.users.insertUser({username: 'bob_2', role: 'analyst', passwordHash: 'h4'})
    await store.users.insertUser({username: 'Bob', role: 'admin', passwordHash: 'h5'})
    expect((await store.users.listUsers()).map((u) => u.username)).toEqual(['alice', 'Bob', 'bob_2', 'Chief'])
    expect((await store.users.listUsers({role: 'admin'})).map((u) => u.username)).toEqual(['Bob', 'Chief'])
    expect(await store.users.countUsers()).toBe(4)
    expect(await store.users.findUserByName('nobody')).toBeUndefined()
  })

  it('applies a partial update, keeps the other columns, and deletes', async () => {
    const user = await store.users.insertUser({username: 'patchy', role: 'investigator', passwordHash: 'h'})
    await store.users.updateUser(user.id, {disabled: 1, mfa_required: 1, mfa_last_step: 59_000_123, locked_at: '2026-12-01T10:00:00.000Z'})
    const patched = (await store.users.findUserById(user.id))!
    expect(patched).toMatchObject({disabled: 1, mfa_required: 1, mfa_last_step: 59_000_123, locked_at: '2026-12-01T10:00:00.000Z', role: 'investigator', password_hash: 'h'})
    expect(patched.updated_at >= user.updated_at).toBe(true)
    expect(toUserView(patched, T0)).toMatchObject({disabled: true, locked: true, mfaRequired: true, mfaEnabled: false})
    await store.users.updateUser(user.id, {locked_at: null, mfa_last_step: null})
    expect(await store.users.findUserById(user.id)).toMatchObject({locked_at: null, mfa_last_step: null, disabled: 1})
    await store.users.updateUser(user.id, {})
    await store.users.deleteUser(user.id)
    expect(await store.users.findUserById(user.id)).toBeUndefined()
  })

  it('counts failed logins per name as typed, in any case, known or not, inside the window', async () => {
    await store.users.recordLoginFailure('Ghost', at(0), at(-15))
    await store.users.recordLoginFailure('ghost', at(1), at(-14))
    await store.users.recordLoginFailure('GHOST', at(2), at(-13))
    await store.users.recordLoginFailure('other', at(2), at(-13))
    expect(await store.users.recentLoginFailures('gHoSt', at(-13))).toBe(3)
    expect(await store.users.recentLoginFailures('ghost', at(1))).toBe(2)
    // A failure 16 minutes on forgets those older than its window, of every name.
    await store.users.recordLoginFailure('ghost', at(16), at(1))
    expect(await store.users.recentLoginFailures('ghost', at(-60))).toBe(3)
    await store.users.clearLoginFailures('GHOST')
    expect(await store.users.recentLoginFailures('ghost', at(-60))).toBe(0)
    expect(await store.users.recentLoginFailures('other', at(-60))).toBe(1)
  })

  it('counts concurrent failed logins of one name one transaction at a time, so each sees the ones before it', async () => {
    const counts = await Promise.all(
      Array.from({length: 5}, (_, i) =>
        store.transaction(async () => {
          await store.users.recordLoginFailure('Racer', at(i), at(-15))
          return store.users.recentLoginFailures('racer', at(-15))
        }),
      ),
    )
    expect(counts.sort()).toEqual([1, 2, 3, 4, 5])
  })

  it('locks a name until a time, shows the lockout on its account, and lifts it', async () => {
    const user = await store.users.insertUser({username: 'Locked.Out', role: 'analyst', passwordHash: 'h'})
    await store.users.recordLoginFailure('locked.out', at(0), at(-15))
    await store.users.lockName('LOCKED.OUT', at(15))
    expect(await store.users.recentLoginFailures('locked.out', at(-15))).toBe(0)
    expect(await store.users.lockedUntil('locked.out', at(5))).toBe(at(15).toISOString())
    expect(await store.users.lockedUntil('Locked.Out', at(15))).toBeUndefined()
    expect((await store.users.findUserById(user.id))?.locked_until).toBe(at(15).toISOString())
    expect(toUserView((await store.users.findUserByName('locked.out'))!, at(5)).locked).toBe(true)
    expect(toUserView((await store.users.findUserByName('locked.out'))!, at(20)).locked).toBe(false)
    // A second lockout of the same name (any case) moves its end.
    await store.users.lockName('locked.OUT', at(30))
    expect(await store.users.lockedUntil('locked.out', at(20))).toBe(at(30).toISOString())
    // A name without an account locks the same way.
    await store.users.lockName('nobody.here', at(15))
    expect(await store.users.lockedUntil('Nobody.Here', at(1))).toBe(at(15).toISOString())
    // A failure after a lockout ended forgets it.
    await store.users.recordLoginFailure('x', at(16), at(1))
    expect(await store.users.lockedUntil('nobody.here', at(0))).toBeUndefined()
    await store.users.clearLockout('LOCKED.out')
    expect(await store.users.lockedUntil('locked.out', at(0))).toBeUndefined()
    expect((await store.users.findUserById(user.id))?.locked_until).toBeNull()
  })

  it('spends a TOTP time step once: the same or an earlier step is refused, also by concurrent logins', async () => {
    const user = await store.users.insertUser({username: 'totp.steps', role: 'analyst', passwordHash: 'h'})
    expect(await store.users.spendTotpStep(user.id, 100)).toBe(true)
    expect(await store.users.spendTotpStep(user.id, 100)).toBe(false)
    expect(await store.users.spendTotpStep(user.id, 99)).toBe(false)
    expect(await store.users.spendTotpStep(user.id, 101)).toBe(true)
    expect((await store.users.findUserById(user.id))?.mfa_last_step).toBe(101)
    const spent = await Promise.all(
      Array.from({length: 4}, () =>
        store.transaction(async () => {
          const ok = await store.users.spendTotpStep(user.id, 102)
          await new Promise((resolve) => setTimeout(resolve, 20))
          return ok
        }),
      ),
    )
    expect(spent.filter(Boolean)).toHaveLength(1)
  })

  it('lists stored TOTP secrets and replaces them', async () => {
    const a = await store.users.insertUser({username: 'totp.a', role: 'analyst', passwordHash: 'h'})
    const b = await store.users.insertUser({username: 'totp.b', role: 'analyst', passwordHash: 'h'})
    await store.users.updateUser(a.id, {mfa_secret: 'PLAIN-A'})
    await store.users.updateUser(b.id, {mfa_pending_secret: 'PLAIN-B'})
    const listed = (await store.users.listMfaSecrets()).sort((x, y) => x.id.localeCompare(y.id))
    expect(listed).toEqual(
      [
        {id: a.id, mfa_secret: 'PLAIN-A', mfa_pending_secret: null},
        {id: b.id, mfa_secret: null, mfa_pending_secret: 'PLAIN-B'},
      ].sort((x, y) => x.id.localeCompare(y.id)),
    )
    await store.users.replaceMfaSecrets([
      {id: a.id, mfa_secret: 'enc1:A', mfa_pending_secret: null},
      {id: b.id, mfa_secret: null, mfa_pending_secret: 'enc1:B'},
    ])
    expect(await store.users.findUserById(a.id)).toMatchObject({mfa_secret: 'enc1:A', mfa_pending_secret: null})
    expect(await store.users.findUserById(b.id)).toMatchObject({mfa_secret: null, mfa_pending_secret: 'enc1:B'})
  })

  it('keeps sessions by the hash of their secret: touch, scope, end, end all of a user', async () => {
    const user = await store.users.insertUser({username: 'session.user', role: 'analyst', passwordHash: 'h'})
    const hash = (n: number) => Buffer.alloc(32, n)
    const base = {user_id: user.id, created_at: at(0).toISOString(), expires_at: at(720).toISOString()}
    await store.sessions.insertSession({...base, id: 'ses_1', tokenHash: hash(1), scope: 'mfa-enroll'})
    await store.sessions.insertSession({...base, id: 'ses_2', tokenHash: hash(2), scope: 'full'})
    expect((await store.sessions.findSessionByHash(hash(1)))?.credential).toEqual({
      id: 'ses_1', user_id: user.id, created_at: at(0).toISOString(), last_seen_at: at(0).toISOString(), expires_at: at(720).toISOString(), scope: 'mfa-enroll', ended_at: null,
    })
    expect(await store.sessions.findSessionByHash(hash(9))).toBeUndefined()
    await store.sessions.touchSession('ses_1', at(5).toISOString())
    await store.sessions.setSessionScope('ses_1', 'full')
    expect((await store.sessions.findSessionByHash(hash(1)))?.credential).toMatchObject({last_seen_at: at(5).toISOString(), scope: 'full'})
    await store.sessions.endSession('ses_1', at(6).toISOString())
    await store.sessions.endSession('ses_1', at(7).toISOString())
    expect((await store.sessions.findSessionByHash(hash(1)))?.credential.ended_at).toBe(at(6).toISOString())
    await store.sessions.endUserSessions(user.id, at(8).toISOString())
    expect((await store.sessions.findSessionByHash(hash(1)))?.credential.ended_at).toBe(at(6).toISOString())
    expect((await store.sessions.findSessionByHash(hash(2)))?.credential.ended_at).toBe(at(8).toISOString())
    await expect(store.sessions.insertSession({...base, id: 'ses_3', tokenHash: hash(2), scope: 'full'})).rejects.toThrow()
  })

  it('keeps API tokens: find by hash or id, list per user or all by creation, touch, revoke once', async () => {
    const ann = await store.users.insertUser({username: 'token.ann', role: 'analyst', passwordHash: 'h'})
    const ben = await store.users.insertUser({username: 'token.ben', role: 'admin', passwordHash: 'h'})
    const token = (id: string, userId: string, minute: number, n: number) => ({
      id, user_id: userId, name: `script ${id}`, role_scope: 'analyst' as const, created_at: at(minute).toISOString(), expires_at: at(minute + 60).toISOString(), tokenHash: Buffer.alloc(32, n),
    })
    await store.sessions.insertToken(token('tok_b', ann.id, 2, 11))
    await store.sessions.insertToken(token('tok_a', ben.id, 1, 12))
    await store.sessions.insertToken(token('tok_c', ann.id, 3, 13))
    const {tokenHash: _hash, ...expected} = token('tok_b', ann.id, 2, 11)
    expect((await store.sessions.findTokenByHash(Buffer.alloc(32, 11)))?.credential).toEqual({...expected, last_used_at: null, revoked_at: null})
    expect(await store.sessions.findTokenById('tok_b')).toEqual({...expected, last_used_at: null, revoked_at: null})
    expect(await store.sessions.findTokenById('tok_x')).toBeUndefined()
    expect((await store.sessions.listTokens(ann.id)).map((t) => t.id)).toEqual(['tok_b', 'tok_c'])
    expect((await store.sessions.listTokens()).map((t) => t.id)).toEqual(['tok_a', 'tok_b', 'tok_c'])
    await store.sessions.touchToken('tok_b', at(4).toISOString())
    await store.sessions.revokeToken('tok_b', at(5).toISOString())
    await store.sessions.revokeToken('tok_b', at(6).toISOString())
    expect(await store.sessions.findTokenById('tok_b')).toMatchObject({last_used_at: at(4).toISOString(), revoked_at: at(5).toISOString()})
    // Deleting a user takes its credentials with it.
    await store.users.deleteUser(ann.id)
    expect(await store.sessions.listTokens(ann.id)).toEqual([])
  })

  it('rolls back a failed transaction: no user, no lockout', async () => {
    await expect(
      store.transaction(async () => {
        await store.users.insertUser({username: 'rolled.back', role: 'analyst', passwordHash: 'h'})
        await store.users.lockName('rolled.back', at(15))
        throw new Error('abort')
      }),
    ).rejects.toThrow('abort')
    expect(await store.users.findUserByName('rolled.back')).toBeUndefined()
    expect(await store.users.lockedUntil('rolled.back', at(0))).toBeUndefined()
  })
})
