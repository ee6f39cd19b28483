/** Build an API client for the current profile (or --server / RTCC_SERVER / RTCC_TOKEN). */
import {authError, RtccError, usageError} from '../errors.js'
import type {ApiClient} from './api.js'
import {type ApiOptions, JsonClient} from './json-client.js'
import {fetchCertificate, normaliseFingerprint} from './pinning.js'
import {profileName, readPin, readProfile, readToken, serverKey} from './profiles.js'

export interface ConnectOptions {
  profile?: string
  server?: string
  /** Connect without a credential (health, login). */
  anonymous?: boolean
}

const EXAMPLE = 'https://HOST:PORT, e.g. https://127.0.0.1:8443 (or just 127.0.0.1:8443)'

/**
 * The server origin a user typed: `host:port` means https://host:port. Junk, and http:// (the server
 * speaks HTTPS only), are usage errors that say what to type instead.
 */
export function serverUrl(input: string, flag = 'URL'): string {
  const text = input.trim()
  let url: URL
  try {
    url = new URL(/^[a-z][a-z\d+.-]*:\/\//i.test(text) ? text : `https://${text}`)
  } catch {
    throw usageError(`${flag}: "${input}" is not a server address`, `Give ${EXAMPLE}.`)
  }
  if (url.protocol === 'http:') throw usageError(`${flag}: the rtcc server speaks HTTPS only, not ${url.protocol}//`, `Use https://${url.host}`)
  if (url.protocol !== 'https:') throw usageError(`${flag}: "${input}" is not an https:// URL`, `Give ${EXAMPLE}.`)
  // A bare word ("notaurl") parses as a host name; a real server address has a port, a dot or is local.
  const {hostname, port} = url
  if (!port && !hostname.includes('.') && !hostname.startsWith('[') && hostname !== 'localhost')
    throw usageError(`${flag}: "${input}" is not a server address`, `Give ${EXAMPLE}.`)
  return url.origin
}

/** The full client (got loaded: uploads, downloads, streams). */
export async function connect(options: ConnectOptions = {}): Promise<ApiClient> {
  const [{ApiClient}, clientOptions] = await Promise.all([import('./api.js'), connection(options)])
  return new ApiClient(clientOptions)
}

/** The lean client for commands that only send and read JSON: starts faster (no got). */
export async function connectJson(options: ConnectOptions = {}): Promise<JsonClient> {
  return new JsonClient(await connection(options))
}

async function connection(options: ConnectOptions): Promise<ApiOptions> {
  const name = profileName(options.profile)
  const profile = readProfile(name)
  const baseUrl = options.server === undefined ? profile?.server : serverUrl(options.server, '--server')
  if (!baseUrl) throw usageError(`no server configured for profile "${name}"`, 'Run `rtcc login URL` first, or pass --server URL.')
  const sameServer = !options.server || (profile !== undefined && serverKey(baseUrl) === serverKey(profile.server))
  const pin = readPin(baseUrl) ?? (await envPin(baseUrl))
  const token = options.anonymous ? undefined : process.env.RTCC_TOKEN || (sameServer ? readToken(name) : undefined)
  if (!options.anonymous && !token) throw authError(`not logged in (profile "${name}")`, 'Run `rtcc login URL`, or set RTCC_TOKEN.')
  return {baseUrl, token, pin, witness: !options.anonymous}
}

/** Scripts without a profile pin with RTCC_FINGERPRINT (as printed by `rtcc server start`). */
async function envPin(baseUrl: string) {
  const wanted = process.env.RTCC_FINGERPRINT
  if (!wanted) return undefined
  const {pem, fingerprint} = await fetchCertificate(baseUrl)
  if (fingerprint !== normaliseFingerprint(wanted))
    throw new RtccError(`REFUSED: ${baseUrl} presented certificate ${fingerprint}, but RTCC_FINGERPRINT is ${normaliseFingerprint(wanted)}`, {code: 'certificate_changed', where: baseUrl})
  return {certPem: pem, fingerprint}
}
