/** `rtcc doctor`: what this machine and profile need, each check with ✔/✘ and how to fix it. */
import {accessSync, constants, existsSync} from 'node:fs'

import {binaryVersion, resolveFfmpeg, resolveFfprobe, type ResolvedBinary} from '../media/ffmpeg.js'
import {findPlayers, overridePlayer, playerOverride} from '../media/players.js'
import {defaultDataDir} from '../server/data-dir.js'
import {ApiClient} from './api.js'
import {fetchCertificate} from './pinning.js'
import {configFile, profileName, readPin, readProfile, readToken} from './profiles.js'

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

async function serverChecks(profile: string, server?: string): Promise<Check[]> {
  const saved = readProfile(profile)
  const url = server ?? saved?.server
  if (!url) return [{name: 'server', ok: false, detail: `profile "${profile}" has no server`, fix: 'rtcc login https://HOST:8443'}]
  const checks: Check[] = []
  try {
    const {fingerprint} = await fetchCertificate(url, 3000)
    const known = readPin(url)
    const pinned = known?.fingerprint
    checks.push(
      !pinned
        ? {name: 'certificate', ok: false, detail: `${fingerprint} is not pinned for ${url}`, fix: `rtcc login ${url}`}
        : pinned === fingerprint
          ? {name: 'certificate', ok: true, detail: `pinned ${fingerprint}`}
          : {name: 'certificate', ok: false, detail: `CHANGED: pinned ${pinned}, server presents ${fingerprint}`, fix: 'Confirm the new fingerprint with the server admin, then rtcc login URL --fingerprint NEW'},
    )
    const pin = known && pinned === fingerprint ? known : undefined
    if (pin) {
      const health = await new ApiClient({baseUrl: url, pin, timeoutMs: 3000}).get<{status: string; version: string}>('/v1/health')
      checks.unshift({name: 'server', ok: health.status === 'ok', detail: `${url} answers: ${health.status}, version ${health.version}`})
    } else checks.unshift({name: 'server', ok: true, detail: `${url} reachable (TLS 1.3)`})
    checks.push(readToken(profile) || process.env.RTCC_TOKEN ? {name: 'login', ok: true, detail: `credential stored for profile "${profile}"`} : {name: 'login', ok: false, detail: 'not logged in', fix: `rtcc login ${url}`})
  } catch (error) {
    checks.push({name: 'server', ok: false, detail: `${url}: ${(error as Error).message}`, fix: 'Start it with `rtcc server start`, or check the URL'})
  }
  return checks
}

export async function runDoctor(options: {profile?: string; server?: string}): Promise<DoctorReport> {
  const major = Number(process.versions.node.split('.')[0])
  const dataDir = defaultDataDir()
  const profile = profileName(options.profile)
  const checks: Check[] = [
    {name: 'node', ok: major >= 20, detail: `v${process.versions.node}`, fix: major >= 20 ? undefined : 'Install Node.js 20 or newer'},
    await binaryCheck('ffmpeg', resolveFfmpeg(), 'npm install (ships @ffmpeg-installer/ffmpeg), or set RTCC_FFMPEG=/path/to/ffmpeg'),
    await binaryCheck('ffprobe', resolveFfprobe(), 'npm install (ships @ffprobe-installer/ffprobe), or set RTCC_FFPROBE=/path/to/ffprobe'),
    await playerCheck(),
    existsSync(dataDir)
      ? {name: 'data dir', ok: writable(dataDir), detail: dataDir, fix: writable(dataDir) ? undefined : `make ${dataDir} writable, or set RTCC_DATA_DIR`}
      : {name: 'data dir', ok: true, detail: `${dataDir} (created at first \`rtcc server start\`)`},
    {name: 'config', ok: true, detail: existsSync(configFile()) ? configFile() : `${configFile()} (created at first login)`},
    ...(await serverChecks(profile, options.server)),
  ]
  return {ok: checks.every((c) => c.ok), checks}
}
