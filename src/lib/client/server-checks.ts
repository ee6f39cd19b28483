/**
 * `rtcc doctor`, the checks that talk to the server: is it reachable, is its certificate the one
 * pinned at login, does it answer /v1/health, does the saved credential still open a session. The
 * checks of this machine (Node, ffmpeg, players, data dir, config) are in doctor/index.ts.
 */
import {existsSync} from 'node:fs'

import type {Check} from '../doctor/check.js'
import {RtccError, ExitCode} from '../errors.js'
import {ApiClient} from './api.js'
import {fetchCertificate} from './pinning.js'
import {configFile, DEFAULT_PROFILE, type Pin, profileName, readPin, readProfile, readToken} from './profiles.js'
import {serverUrl} from './session.js'

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
    const ended = error instanceof RtccError && error.exitCode === ExitCode.unauthorized
    return {name: 'login', ok: false, detail: `${label} ${ended ? 'no longer works' : 'could not be checked'}: ${(error as Error).message}`, fix}
  }
}

/** The server this profile points at: reachable, certificate still the pinned one, health, login. */
export async function serverChecks(requested?: string, server?: string): Promise<Check[]> {
  const {profile, saved, pinOf, stored} = savedConfig(requested)
  const url = server === undefined ? saved?.server : serverUrl(server, '--server')
  if (!url) return [{name: 'server', ok: false, detail: `profile "${profile}" has no server`, fix: 'rtcc login https://HOST:8443'}]
  const checks: Check[] = []
  try {
    const {fingerprint, trusted} = await fetchCertificate(url, 3000)
    const known = pinOf(url)
    const pinned = known?.fingerprint
    const caVerified = trusted && !pinned
    checks.push(
      caVerified
        ? {name: 'certificate', ok: true, detail: `verified by a CA this machine trusts (not pinned), SHA-256 ${fingerprint}`}
        : !pinned
        ? {name: 'certificate', ok: false, detail: `${fingerprint} is not pinned for ${url}`, fix: `rtcc login ${url}`}
        : pinned === fingerprint
          ? {name: 'certificate', ok: true, detail: `pinned ${fingerprint}`}
          : {name: 'certificate', ok: false, detail: `CHANGED: pinned ${pinned}, server presents ${fingerprint}`, fix: 'Confirm the new fingerprint with the server admin, then rtcc login URL --fingerprint NEW'},
    )
    const pin = known && pinned === fingerprint ? known : undefined
    const verified = pin !== undefined || caVerified
    const token = process.env.RTCC_TOKEN || stored
    const label = process.env.RTCC_TOKEN ? 'RTCC_TOKEN' : `the credential of profile "${profile}"`
    const fix = `rtcc login ${url}${profile === DEFAULT_PROFILE ? '' : ` --profile ${profile}`}`
    if (verified) {
      const health = await new ApiClient({baseUrl: url, pin, timeoutMs: 3000}).get<{status: string; version: string}>('/v1/health')
      checks.unshift({name: 'server', ok: health.status === 'ok', detail: `${url} answers: ${health.status}, version ${health.version}`})
      if (token) checks.push(await loginCheck(new ApiClient({baseUrl: url, pin, token, timeoutMs: 3000}), label, fix))
    } else checks.unshift({name: 'server', ok: true, detail: `${url} reachable (TLS 1.3)`})
    if (!token) checks.push({name: 'login', ok: false, detail: 'not logged in', fix})
    else if (!verified) checks.push({name: 'login', ok: true, detail: `${label} is stored (not checked: the certificate is not pinned)`})
  } catch (error) {
    checks.push({name: 'server', ok: false, detail: `${url}: ${(error as Error).message}`, fix: 'Start it with `rtcc server start`, or check the URL'})
  }
  return checks
}
