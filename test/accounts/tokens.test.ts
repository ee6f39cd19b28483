/** A token is capped by its user's current role and state at every use. */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {ApiClient} from '../../src/lib/client/api.js'
import type {TokenView, UserView, WhoAmI} from '../../src/lib/domain/auth.js'
import {runInProcess} from '../helpers/cli-in-process.js'
import {removeDir, startTestServer, tempDir, type TestServer} from '../helpers/server.js'
import {failure} from '../helpers/failure.js'

let t: TestServer
let configDir: string

beforeAll(async () => {
  t = await startTestServer()
  configDir = tempDir('rtcc-config-')
})

afterAll(async () => {
  await t.stop()
  removeDir(t.dataDir)
  removeDir(configDir)
})


async function tokenOf(username: string, role: UserView['role'], roleScope: UserView['role']): Promise<string> {
  const session = await t.userClient(username, role)
  return (await session.post<TokenView & {token: string}>('/v1/tokens', {name: `${username}-script`, roleScope, expiresInSeconds: 3600})).token
}

const asToken = (token: string) => new ApiClient({baseUrl: t.url, pin: t.pin, token})

describe('API tokens follow their user', () => {
  it("a demoted admin's token can no longer list users or re-promote her", async () => {
    const token = await tokenOf('carol', 'admin', 'admin')
    await t.admin.post('/v1/users/carol/role', {role: 'analyst'})
    // In this process (same dist/ code and oclif handling); spine.test.ts runs `user` commands as processes.
    const cli = (args: string[]) =>
      runInProcess(args, {env: {RTCC_CONFIG_DIR: configDir, RTCC_SERVER: t.url, RTCC_FINGERPRINT: t.fingerprint, RTCC_TOKEN: token}})

    const list = await cli(['user', 'list', '--json'])
    expect(list.code).toBe(4)
    const promote = await cli(['user', 'set-role', 'carol', 'admin', '--json'])
    expect(promote.code).toBe(4)
    expect(promote.json<{error: {message: string}}>().error.message).toContain('role "analyst" may not user.set_role')

    const users = await t.admin.get<UserView[]>('/v1/users')
    expect(users.find((u) => u.username === 'carol')?.role).toBe('analyst')
    // still usable within what she now holds
    expect((await asToken(token).get<WhoAmI>('/v1/auth/whoami')).role).toBe('analyst')
  })

  it('a token scoped below its user keeps its scope after the user is promoted', async () => {
    const token = await tokenOf('dave', 'investigator', 'analyst')
    await t.admin.post('/v1/users/dave/role', {role: 'supervisor'})
    expect((await asToken(token).get<WhoAmI>('/v1/auth/whoami')).role).toBe('analyst')
  })

  it('a token does nothing once its user moves off the ladder it was made on', async () => {
    const token = await tokenOf('erin', 'investigator', 'investigator')
    await t.admin.post('/v1/users/erin/role', {role: 'installer'})
    const error = await failure(asToken(token).get('/v1/auth/whoami'))
    expect(error.exitCode).toBe(4)
    expect(error.code).toBe('token_out_of_scope')
  })

  it("an admin's lock stops the user's tokens until unlocked", async () => {
    const token = await tokenOf('finn', 'investigator', 'investigator')
    await t.admin.post('/v1/users/finn/lock')
    const error = await failure(asToken(token).get('/v1/auth/whoami'))
    expect(error.code).toBe('account_locked')
    await t.admin.post('/v1/users/finn/unlock')
    expect((await asToken(token).get<WhoAmI>('/v1/auth/whoami')).role).toBe('investigator')
  })

  it("a disabled user's token is refused", async () => {
    const token = await tokenOf('gina', 'analyst', 'analyst')
    await t.admin.post('/v1/users/gina/disable')
    expect((await failure(asToken(token).get('/v1/auth/whoami'))).code).toBe('account_disabled')
  })
})
