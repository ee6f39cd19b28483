/**
 * `rtcc login`: pin the server certificate (trust on first use, or a fingerprint given up front; a
 * changed certificate is refused), then exchange user name and password (and TOTP code) for a session.
 */
import type {SessionView} from '../domain/auth.js'
import {RtccError, usageError} from '../errors.js'
import {ApiClient} from './api.js'
import {fetchCertificate, normaliseFingerprint} from './pinning.js'
import {profileName, readPin, savePin, saveProfile} from './profiles.js'
import {serverUrl} from './session.js'

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
  /** Make this the current profile even when another one is current (`--use`). */
  use?: boolean
}

export interface LoginResult {
  profile: string
  server: string
  fingerprint: string
  /** `ca`: the certificate chains to a CA this machine trusts and is verified normally; `pin`: its fingerprint is pinned. */
  trust: 'ca' | 'pin'
  newlyTrusted: boolean
  /** The current profile after this login: another one stays current unless `--use` was given. */
  currentProfile: string
  user: SessionView['user']
  expiresAt: string
  mfaEnrollmentRequired: boolean
}

export async function pinServer(url: string, fingerprint: string | undefined, confirmTrust?: LoginOptions['confirmTrust']) {
  const presented = await fetchCertificate(url)
  const wanted = fingerprint ? normaliseFingerprint(fingerprint) : undefined
  if (wanted && wanted !== presented.fingerprint)
    throw new RtccError(`REFUSED: ${url} presented certificate ${presented.fingerprint}, not the expected ${wanted}`, {code: 'certificate_mismatch', where: url, hint: 'Check the fingerprint with the server admin (`rtcc server start` prints it).'})
  const pinned = readPin(url)?.fingerprint
  if (pinned && pinned !== presented.fingerprint && !wanted)
    throw new RtccError(
      `REFUSED: the certificate of ${url} CHANGED since you trusted it.\n  pinned:    ${pinned}\n  presented: ${presented.fingerprint}\nThis can mean someone is intercepting the connection.`,
      {code: 'certificate_changed', where: url, hint: 'If the server was legitimately re-keyed, confirm the new fingerprint with its admin and log in with --fingerprint NEW.'},
    )
  const newlyTrusted = !pinned || pinned !== presented.fingerprint
  // A certificate from a CA this machine trusts is verified as usual; no pin, no question.
  const caVerified = presented.trusted && !wanted && !pinned
  if (newlyTrusted && !wanted && !caVerified) {
    if (!confirmTrust) throw usageError(`the certificate of ${url} is not yet trusted (SHA-256 ${presented.fingerprint})`, 'Pass --fingerprint SHA256 after checking it with the server admin.')
    if (!(await confirmTrust(presented.fingerprint))) throw new RtccError('certificate not trusted; nothing was saved', {code: 'not_trusted'})
  }
  return {pin: {certPem: presented.pem, fingerprint: presented.fingerprint}, newlyTrusted: newlyTrusted && !caVerified, caVerified}
}

export async function login(options: LoginOptions): Promise<LoginResult> {
  const profile = profileName(options.profile)
  const url = serverUrl(options.url)
  const {pin, newlyTrusted, caVerified} = await pinServer(url, options.fingerprint, options.confirmTrust)
  const api = new ApiClient({baseUrl: url, pin: caVerified ? undefined : pin})
  const body = {username: options.username, password: options.password}
  let session: SessionView
  try {
    try {
      session = await api.post<SessionView>('/v1/auth/login', body)
    } catch (error) {
      if ((error as RtccError).code !== 'otp_required' || !options.otp) throw error
      const otp = await options.otp()
      if (!otp) throw error
      session = await api.post<SessionView>('/v1/auth/login', {...body, otp})
    }
  } catch (error) {
    throw refused(error, options.username)
  }
  if (!caVerified) savePin(url, {...readPin(url), ...pin})
  const {current} = saveProfile(profile, {server: url, username: session.user.username}, session.token, {makeCurrent: options.use})
  return {
    profile,
    server: url,
    fingerprint: pin.fingerprint,
    trust: caVerified ? 'ca' : 'pin',
    newlyTrusted,
    currentProfile: current,
    user: session.user,
    expiresAt: session.expiresAt,
    mfaEnrollmentRequired: session.mfaEnrollmentRequired,
  }
}

/** A refused login says what to check, not "log in" (the generic hint for an expired session). */
function refused(error: unknown, username: string): unknown {
  if (!(error instanceof RtccError)) return error
  const hints: Record<string, string> = {
    invalid_credentials: `Check the user name ("${username}") and the password; repeated failures lock the account for a while.`,
    otp_invalid: 'Use the current 6-digit code from your authenticator app (check the device clock).',
    otp_required: 'Pass --otp CODE from your authenticator app.',
    account_locked: 'Wait until the lock ends (the message says when), or ask an admin to run `rtcc user unlock`.',
    account_disabled: 'Ask an admin to enable the account.',
  }
  const hint = hints[error.code]
  return hint ? new RtccError(error.message, {code: error.code, exitCode: error.exitCode, where: error.where, hint, details: error.details}) : error
}
