/**
 * Every request's credential check reads the session or API token together with its user in one
 * query: the user's row must be exactly what findUserById returns (lockout included), and a credential
 * whose account is gone must come back with no user, on both backends.
 */
import {describe, expect, it} from 'vitest'

import {splitCredentialRow} from '../../src/lib/store/credential-user.js'
import {BACKENDS, useBackendStore} from './backends.js'

const at = (minutes: number) => new Date(Date.UTC(2026, 10, 1, 12, minutes))

describe.each(BACKENDS)('credential with its user on %s', (backend) => {
  const store = useBackendStore(backend)

  it('reads a session and a token with the same user row as findUserById, lockout included', async () => {
    const user = await store.users.insertUser({username: 'Joined.User', role: 'investigator', passwordHash: 'h', displayName: 'Joined'})
    await store.users.lockName('joined.user', at(30))
    await store.users.updateUser(user.id, {locked_at: at(1).toISOString()})
    await store.sessions.insertSession({id: 'ses_j', tokenHash: Buffer.alloc(32, 41), user_id: user.id, created_at: at(0).toISOString(), expires_at: at(720).toISOString(), scope: 'full'})
    await store.sessions.insertToken({id: 'tok_j', tokenHash: Buffer.alloc(32, 42), user_id: user.id, name: 'script', role_scope: 'analyst', created_at: at(0).toISOString(), expires_at: at(60).toISOString()})
    const expected = await store.users.findUserById(user.id)
    expect(expected?.locked_until).toBe(at(30).toISOString())
    const session = await store.sessions.findSessionByHash(Buffer.alloc(32, 41))
    expect(session?.user).toEqual(expected)
    expect(session?.credential).toEqual({id: 'ses_j', user_id: user.id, created_at: at(0).toISOString(), last_seen_at: at(0).toISOString(), expires_at: at(720).toISOString(), scope: 'full', ended_at: null})
    const token = await store.sessions.findTokenByHash(Buffer.alloc(32, 42))
    expect(token?.user).toEqual(expected)
    expect(token?.credential).toMatchObject({id: 'tok_j', user_id: user.id, name: 'script', role_scope: 'analyst', revoked_at: null})
  })

  it('finds nothing for an unknown hash, nor for the credentials of a deleted account', async () => {
    const user = await store.users.insertUser({username: 'gone.user', role: 'analyst', passwordHash: 'h'})
    await store.sessions.insertSession({id: 'ses_g', tokenHash: Buffer.alloc(32, 51), user_id: user.id, created_at: at(0).toISOString(), expires_at: at(720).toISOString(), scope: 'full'})
    await store.sessions.insertToken({id: 'tok_g', tokenHash: Buffer.alloc(32, 52), user_id: user.id, name: 'gone', role_scope: 'analyst', created_at: at(0).toISOString(), expires_at: at(60).toISOString()})
    expect((await store.sessions.findSessionByHash(Buffer.alloc(32, 51)))?.user?.id).toBe(user.id)
    await store.users.deleteUser(user.id)
    expect(await store.sessions.findSessionByHash(Buffer.alloc(32, 51))).toBeUndefined()
    expect(await store.sessions.findTokenByHash(Buffer.alloc(32, 52))).toBeUndefined()
    expect(await store.sessions.findSessionByHash(Buffer.alloc(32, 99))).toBeUndefined()
  })
})

describe('a credential row split from its user', () => {
  it('gives no user when the join found none (every user column null)', () => {
    const row = {cred_id: 'ses_x', cred_user_id: 'usr_x', id: null, username: null, locked_until: null}
    expect(splitCredentialRow(row, ['id', 'user_id'])).toEqual({credential: {id: 'ses_x', user_id: 'usr_x'}, user: undefined})
    expect(splitCredentialRow({...row, id: 'usr_x', username: 'x'}, ['id', 'user_id'])?.user).toEqual({id: 'usr_x', username: 'x', locked_until: null})
  })
})
