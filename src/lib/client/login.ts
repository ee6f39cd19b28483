/**
 * `rtcc login`: pin the server certificate (trust on first use, or a fingerprint given up front; a
 * changed certificate is refused), then exchange user name and password (and TOTP code) for a session.
 */
import type {SessionView} from '../domain/auth.js'
import {CliError, usageError} from '../output/errors.js'
import {ApiClient} from './api.js'
import {fetchCertificate, normaliseFingerprint} from './pinning.js'
import {profileName, readPin, savePin, saveProfile} from './profiles.js'

export interface LoginOptions {
  url: string
  profile?: string
  username: string
  password: string
  fingerprint?: string
  /** Asked when no pin exists and no fingerprint was given: show it to the user, return whether to trust it. */
  confirmTrust?: (fingerprint: string) => Promise<boolean>
  /** Asked when the account has a second factor. */
  otp?: () => Promise<string | undefined>
}

export interface LoginResult {
  profile: string
  server: string
  fingerprint: string
  newlyTrusted: boolean
  user: SessionView['user']
  expiresAt: string
  mfaEnrollmentRequired: boolean
}

export async function pinServer(url: string, fingerprint: string | undefined, confirmTrust?: LoginOptions['confirmTrust']) {
  const presented = await fetchCertificate(url)
  const wanted = fingerprint ? normaliseFingerprint(fingerprint) : undefined
  if (wanted && wanted !== presented.fingerprint)
    throw new CliError(`REFUSED: ${url} presented certificate ${presented.fingerprint}, not the expected ${wanted}`, {code: 'certificate_mismatch', where: url, hint: 'Check the fingerprint with the server admin (`rtcc server start` prints it).'})
  const pinned = readPin(url)?.fingerprint
  if (pinned && pinned !== presented.fingerprint && !wanted)
    throw new CliError(
      `REFUSED: the certificate of ${url} CHANGED since you trusted it.\n  pinned:    ${pinned}\n  presented: ${presented.fingerprint}\nThis can mean someone is intercepting the connection.`,
      {code: 'certificate_changed', where: url, hint: 'If the server was legitimately re-keyed, confirm the new fingerprint with its admin and log in with --fingerprint NEW.'},
    )
  const newlyTrusted = !pinned || pinned !== presented.fingerprint
  if (newlyTrusted && !wanted) {
    if (!confirmTrust) throw usageError(`the certificate of ${url} is not yet trusted (SHA-256 ${presented.fingerprint})`, 'Pass --fingerprint SHA256 after checking it with the server admin.')
    if (!(await confirmTrust(presented.fingerprint))) throw new CliError('certificate not trusted; nothing was saved', {code: 'not_trusted'})
  }
  return {pin: {certPem: presented.pem, fingerprint: presented.fingerprint}, newlyTrusted}
}

export async function login(options: LoginOptions): Promise<LoginResult> {
  const profile = profileName(options.profile)
  const url = new URL(options.url).origin
  const {pin, newlyTrusted} = await pinServer(url, options.fingerprint, options.confirmTrust)
  const api = new ApiClient({baseUrl: url, pin})
  const body = {username: options.username, password: options.password}
  let session: SessionView
  try {
    session = await api.post<SessionView>('/v1/auth/login', body)
  } catch (error) {
    if ((error as CliError).code !== 'otp_required' || !options.otp) throw error
    const otp = await options.otp()
    if (!otp) throw error
    session = await api.post<SessionView>('/v1/auth/login', {...body, otp})
  }
  savePin(url, {...readPin(url), ...pin})
  saveProfile(profile, {server: url, username: session.user.username}, session.token)
  return {profile, server: url, fingerprint: pin.fingerprint, newlyTrusted, user: session.user, expiresAt: session.expiresAt, mfaEnrollmentRequired: session.mfaEnrollmentRequired}
}
