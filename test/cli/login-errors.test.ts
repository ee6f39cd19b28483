/** What `rtcc login`, `rtcc doctor` and the shared error layer tell a user when something is off. */
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {ApiClient} from '../../src/lib/client/api.js'
import {runCli} from '../helpers/cli.js'
import {runInProcess} from '../helpers/cli-in-process.js'
import {ADMIN, removeDir, startTestServer, tempDir, type TestServer} from '../helpers/server.js'

let t: TestServer
const dirs: string[] = []
const freshConfig = () => {
  const dir = tempDir('rtcc-login-cfg-')
  dirs.push(dir)
  return dir
}
const runWith = (run: typeof runCli) => (configDir: string, args: string[], input?: string, env: Record<string, string> = {}) =>
  run(args, {env: {RTCC_CONFIG_DIR: configDir, RTCC_TOKEN: undefined, RTCC_SERVER: undefined, RTCC_FINGERPRINT: undefined, RTCC_PROFILE: undefined, ...env}, input})
// In this process (same dist/ code and oclif handling, no start-up per call); `bin` through bin/run.js as a process.
const cli = runWith(runInProcess)
const bin = runWith(runCli)
const loginArgs = (url: string, ...more: string[]) => ['login', url, '--user', ADMIN.username, '--password-stdin', '--fingerprint', t.fingerprint, ...more]

beforeAll(async () => {
  t = await startTestServer()
})

afterAll(async () => {
  await t.stop()
  removeDir(t.dataDir)
  for (const dir of dirs) removeDir(dir)
})

describe('rtcc login', () => {
  it('accepts host:port as https://host:port', async () => {
    const config = freshConfig()
    const hostPort = new URL(t.url).host
    const result = await bin(config, [...loginArgs(hostPort), '--json'], ADMIN.password)
    expect(result.code, result.stderr).toBe(0)
    expect(result.json()).toMatchObject({server: t.url, user: {username: ADMIN.username}})
  })

  it('gives a usage error, not a bug report, for an address that is no URL', async () => {
    const result = await cli(freshConfig(), loginArgs('notaurl'), ADMIN.password)
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('"notaurl" is not a server address')
    expect(result.stderr).not.toContain('bug')
  })

  it('says the server speaks HTTPS only when given an http:// URL, and names the https one', async () => {
    const plain = t.url.replace('https://', 'http://')
    const result = await cli(freshConfig(), loginArgs(plain), ADMIN.password)
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('HTTPS only')
    expect(result.stderr).toContain(t.url)
    expect(result.stderr).not.toContain('ECONNRESET')
  })

  it('a wrong password says to check the user name and password, not to log in', async () => {
    const result = await cli(freshConfig(), loginArgs(t.url), 'not-the-password')
    expect(result.code).toBe(4)
    expect(result.stderr).toContain('invalid username or password')
    expect(result.stderr).toContain('Check the user name')
    expect(result.stderr).not.toContain('Log in with')
  })

  it('login --profile keeps the current profile current unless --use is given', async () => {
    const config = freshConfig()
    expect((await cli(config, loginArgs(t.url), ADMIN.password)).code).toBe(0)
    const other = await cli(config, [...loginArgs(t.url), '--profile', 'county'], ADMIN.password)
    expect(other.code, other.stderr).toBe(0)
    expect(other.stderr).toContain('the current profile stays "default"')
    const read = () => JSON.parse(readFileSync(join(config, 'config.json'), 'utf8')) as {currentProfile: string; profiles: Record<string, unknown>}
    expect(read()).toMatchObject({currentProfile: 'default', profiles: {default: {}, county: {}}})
    const switched = await cli(config, [...loginArgs(t.url), '--profile', 'county', '--use'], ADMIN.password)
    expect(switched.code, switched.stderr).toBe(0)
    expect(switched.stderr).not.toContain('stays')
    expect(read().currentProfile).toBe('county')
  })
})

describe('errors from the server and the connection', () => {
  it('a request the server refuses as invalid (HTTP 400) is a usage error (exit 2)', async () => {
    const config = freshConfig()
    expect((await cli(config, loginArgs(t.url), ADMIN.password)).code).toBe(0)
    // The server's schema wants a token to live at least a minute; the command does not check that itself.
    const result = await cli(config, ['token', 'create', '--name', 'short', '--expires', '10s'])
    expect(result.code, result.stderr).toBe(2)
    expect(result.stderr).toContain('expiresInSeconds')
  })

  it('an unpinned self-signed certificate points to --fingerprint and rtcc login, not to a stopped server', async () => {
    const result = await bin(freshConfig(), ['whoami'], undefined, {RTCC_SERVER: t.url, RTCC_TOKEN: 'rtcc_s_whatever'})
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('not trusted')
    expect(result.stderr).toContain('--fingerprint')
    expect(result.stderr).toContain(`rtcc login ${t.url}`)
    expect(result.stderr).not.toContain('Is the server running')
  })
})

describe('rtcc doctor', () => {
  it('only reads: on a fresh machine it creates no config folder or file', async () => {
    const config = join(freshConfig(), 'not-yet')
    const result = await bin(config, ['doctor', '--json'], undefined, {RTCC_SERVER: t.url})
    expect(result.json<{checks: {name: string}[]}>().checks.map((c) => c.name)).toContain('server')
    expect(existsSync(config)).toBe(false)
  })

  it('reports a session that ended on the server as no login', async () => {
    const config = freshConfig()
    expect((await cli(config, loginArgs(t.url), ADMIN.password)).code).toBe(0)
    const login = async () => (await cli(config, ['doctor', '--json'])).json<{checks: {name: string; ok: boolean; detail: string}[]}>().checks.find((c) => c.name === 'login')
    expect(await login()).toMatchObject({ok: true})
    // The session ends elsewhere (logged out on the server); this machine still holds its token.
    const {tokens} = JSON.parse(readFileSync(join(config, 'secrets.json'), 'utf8')) as {tokens: Record<string, string>}
    await new ApiClient({baseUrl: t.url, pin: t.pin, token: tokens.default}).post('/v1/auth/logout')
    expect(await login()).toMatchObject({ok: false, detail: expect.stringContaining('no longer works')})
  })
})
