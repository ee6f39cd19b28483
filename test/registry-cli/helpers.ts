/**
 * A real server plus the real CLI (spawned over dist/, or run in this process with `inProcess`: the same
 * dist/ code, see ../helpers/cli-in-process.ts), logged in per profile, for registry CLI tests.
 */
import {fileURLToPath} from 'node:url'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

import type {Camera} from '../../src/lib/domain/camera.js'
import type {Role} from '../../src/lib/domain/roles.js'
import {distanceMetres} from '../../src/lib/registry/geo.js'
import {type CliResult, runCli} from '../helpers/cli.js'
import {runInProcess} from '../helpers/cli-in-process.js'
import {ADMIN, removeDir, startTestServer, tempDir, type TestServer} from '../helpers/server.js'

export const DATA = fileURLToPath(new URL('../../examples/data', import.meta.url))
export const MAPS = new URL('../../examples/maps/', import.meta.url).pathname

export interface RegistryCli {
  t: TestServer
  dir: string
  /** `rtcc …` as the admin (profile "default"), or as another profile with `profile`; `spawn` forces a process. */
  cli(args: string[], options?: {profile?: string; input?: string; env?: Record<string, string | undefined>; timeoutMs?: number; spawn?: boolean}): Promise<CliResult>
  /** Creates an account through the API; `cli(args, {profile: username})` then runs as it (RTCC_TOKEN). */
  user(username: string, role: Role): Promise<void>
  file(name: string, content: string | Buffer): string
  stop(): Promise<void>
}

export const PASSWORD = 'Registry-Test-Pass-7'

export async function startRegistryCli(options: {inProcess?: boolean} = {}): Promise<RegistryCli> {
  const t = await startTestServer()
  const dir = tempDir('rtcc-regcli-')
  const env = {RTCC_CONFIG_DIR: join(dir, 'config')}
  const tokens = new Map<string, string>()
  const cli: RegistryCli['cli'] = (args, run = {}) => {
    const token = run.profile ? tokens.get(run.profile) : undefined
    // Always name the profile: each login makes its profile the current one. API-made users reuse the
    // admin's profile (server and pinned certificate) with their own token.
    const profile = token ? 'default' : (run.profile ?? 'default')
    const how = {env: {...env, ...(token ? {RTCC_TOKEN: token} : {}), ...run.env}, input: run.input, timeoutMs: run.timeoutMs ?? 30_000}
    return options.inProcess && !run.spawn ? runInProcess([...args, '--profile', profile], how) : runCli([...args, '--profile', profile], how)
  }
  const login = async (username: string, password: string, profile?: string) => {
    const result = await cli(['login', t.url, '--user', username, '--password-stdin', '--fingerprint', t.fingerprint], {input: password, profile})
    if (result.code !== 0) throw new Error(`login ${username} failed: ${result.stderr}`)
  }
  await login(ADMIN.username, ADMIN.password, 'default')
  return {
    t,
    dir,
    cli,
    user: async (username, role) => {
      await t.admin.post('/v1/users', {username, password: PASSWORD, role})
      const session = await t.anonymous().post<{token: string}>('/v1/auth/login', {username, password: PASSWORD})
      tokens.set(username, session.token)
    },
    file: (name, content) => {
      const path = join(dir, name)
      writeFileSync(path, content)
      return path
    },
    stop: async () => {
      await t.stop()
      removeDir(t.dataDir)
      removeDir(dir)
    },
  }
}

export interface ImportResult {
  read: number
  inserted: number
  updated: number
  unchanged: number
  skipped: number
  rejected: number
  applied: boolean
  rejects: {row: number; errors: {field: string; message: string}[]}[]
  error?: {code: string; message: string}
}

/** The reference for radius search: every camera, filtered and sorted by haversine distance. */
export function bruteForceNear(cameras: Camera[], at: {latitude: number; longitude: number}, radiusMetres: number): string[] {
  return cameras
    .map((c) => ({id: c.id, d: distanceMetres(at, c)}))
    .filter((c) => c.d <= radiusMetres)
    .sort((a, b) => a.d - b.d || (a.id < b.id ? -1 : 1))
    .map((c) => c.id)
}
