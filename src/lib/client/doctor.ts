/** `rtcc doctor`: what this machine and profile need, each check with ✔/✘ and how to fix it. */
import {accessSync, constants, existsSync} from 'node:fs'

import {binaryVersion, resolveFfmpeg, resolveFfprobe, type ResolvedBinary} from '../media/ffmpeg.js'
import {findPlayers, overridePlayer, playerOverride} from '../media/players.js'
import {defaultDataDir} from '../server/data-dir.js'
import {ApiClient} from './api.js'
import {fetchCertificate} from './pinning.js'
import {CliError, ExitCode} from '../output/errors.js'
import {configFile, DEFAULT_PROFILE, type Pin, profileName, readPin, readProfile, readToken} from './profiles.js'
import {serverUrl} from './session.js'

export interface Check {
  name: string
  ok: boolean
  detail: string
  fix?: string
}

export interface DoctorReport {
  ok: boolean
  checks: Check[]
}

async function binaryCheck(name: string, found: ResolvedBinary | undefined, fix: string): Promise<Check> {
  if (!found) return {name, ok: false, detail: 'not found', fix}
  try {
    return {name, ok: true, detail: `${found.path} (via ${found.source}): ${await binaryVersion(found.path)}`}
  } catch (error) {
    return {name, ok: false, detail: `${found.path} does not run: ${(error as Error).message}`, fix}
  }
}

/** Video players for `stream open --play`; optional, so none found is still ok. */
async function playerCheck(): Promise<Check> {
  const wanted = playerOverride()
  if (wanted && !overridePlayer()) return {name: 'player', ok: false, detail: `RTCC_PLAYER=${wanted} cannot be run`, fix: 'Point RTCC_PLAYER at an installed player, or unset it'}
  const players = await findPlayers()
  if (!players.length) return {name: 'player', ok: true, detail: 'none found (only `stream open --play` needs one: install mpv, VLC or ffplay, or set RTCC_PLAYER)'}
  return {name: 'player', ok: true, detail: players.map((p, i) => `${p.name} ${p.path}${i === 0 ? ' (used by --play)' : ''}`).join(', ')}
}

function writable(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK)
    return true
  } catch {
    return false
  }
}

/**
 * What the config holds, read without writing: the config store creates its folder and files when
 * opened, and a doctor only looks. No config file means nothing saved yet.
 */
function savedConfig(requested?: string) {
  if (!existsSync(configFile())) return {profile: requested ?? DEFAULT_PROFILE, saved: undefined, pinOf: (): Pin | undefined => undefined, stored: undefined}
  const profile = profileName(requested)
  return {profile, saved: readProfile(profile), pinOf: (url: string) => readPin(url), stored: readToken(profile)}
}

/** Whether the credential still opens a session: a logged-out or expired one is no login. */
async function loginCheck(api: ApiClient, label: string, fix: string): Promise<Check> {
  try {
    const me = await api.get<{user: {username: string; role: string}}>('/v1/auth/whoami')
    return {name: 'login', ok: true, detail: `${label} is logged in as ${me.user.username} (${me.user.role})`}
  } catch (error) {
    const ended = error instanceof CliError && error.exitCode === ExitCode.unauthorized
    return {name: 'login', ok: false, detail: `${label} ${ended ? 'no longer works' : 'could not be checked'}: ${(error as Error).message}`, fix}
  }
}

async function serverChecks(requested?: string, server?: string): Promise<Check[]> {
  const {profile, saved, pinOf, stored} = savedConfig(requested)
  const url = server === undefined ? saved?.server : serverUrl(server, '--server')
  if (!url) return [{name: 'server', ok: false, detail: `profile "${profile}" has no server`, fix: 'rtcc login https://HOST:8443'}]
  const checks: Check[] = []
  try {
    const {fingerprint} = await fetchCertificate(url, 3000)
    const known = pinOf(url)
    const pinned = known?.fingerprint
    checks.push(
      !pinned
        ? {name: 'certificate', ok: false, detail: `${fingerprint} is not pinned for ${url}`, fix: `rtcc login ${url}`}
        : pinned === fingerprint
          ? {name: 'certificate', ok: true, detail: `pinned ${fingerprint}`}
          : {name: 'certificate', ok: false, detail: `CHANGED: pinned ${pinned}, server presents ${fingerprint}`, fix: 'Confirm the new fingerprint with the server admin, then rtcc login URL --fingerprint NEW'},
    )
    const pin = known && pinned === fingerprint ? known : undefined
    const token = process.env.RTCC_TOKEN || stored
    const label = process.env.RTCC_TOKEN ? 'RTCC_TOKEN' : `the credential of profile "${profile}"`
    const fix = `rtcc login ${url}${profile === DEFAULT_PROFILE ? '' : ` --profile ${profile}`}`
    if (pin) {
      const health = await new ApiClient({baseUrl: url, pin, timeoutMs: 3000}).get<{status: string; version: string}>('/v1/health')
      checks.unshift({name: 'server', ok: health.status === 'ok', detail: `${url} answers: ${health.status}, version ${health.version}`})
      if (token) checks.push(await loginCheck(new ApiClient({baseUrl: url, pin, token, timeoutMs: 3000}), label, fix))
    } else checks.unshift({name: 'server', ok: true, detail: `${url} reachable (TLS 1.3)`})
    if (!token) checks.push({name: 'login', ok: false, detail: 'not logged in', fix})
    else if (!pin) checks.push({name: 'login', ok: true, detail: `${label} is stored (not checked: the certificate is not pinned)`})
  } catch (error) {
    checks.push({name: 'server', ok: false, detail: `${url}: ${(error as Error).message}`, fix: 'Start it with `rtcc server start`, or check the URL'})
  }
  return checks
}

export async function runDoctor(options: {profile?: string; server?: string}): Promise<DoctorReport> {
  const major = Number(process.versions.node.split('.')[0])
  const dataDir = defaultDataDir()
  const checks: Check[] = [
    {name: 'node', ok: major >= 20, detail: `v${process.versions.node}`, fix: major >= 20 ? undefined : 'Install Node.js 20 or newer'},
    await binaryCheck('ffmpeg', resolveFfmpeg(), 'npm install (ships @ffmpeg-installer/ffmpeg), or set RTCC_FFMPEG=/path/to/ffmpeg'),
    await binaryCheck('ffprobe', resolveFfprobe(), 'npm install (ships @ffprobe-installer/ffprobe), or set RTCC_FFPROBE=/path/to/ffprobe'),
    await playerCheck(),
    existsSync(dataDir)
      ? {name: 'data dir', ok: writable(dataDir), detail: dataDir, fix: writable(dataDir) ? undefined : `make ${dataDir} writable, or set RTCC_DATA_DIR`}
      : {name: 'data dir', ok: true, detail: `${dataDir} (created at first \`rtcc server start\`)`},
    {name: 'config', ok: true, detail: existsSync(configFile()) ? configFile() : `${configFile()} (created at first login)`},
    ...(await serverChecks(options.profile, options.server)),
  ]
  return {ok: checks.every((c) => c.ok), checks}
}
