/**
 * Which cameras a Core will serve, before it enrols: candidates from a discovery file (or a fresh
 * scan), each matched to credentials (a credentials CSV or one user for all) and given its starting
 * policy (defaults for all, or per camera from a policy CSV). Interactive provisioning asks the same
 * questions; this module answers them from files and flags.
 */
import {readFile} from 'node:fs/promises'

import {parse} from 'csv-parse/sync'

import {SharingMode} from '../domain/policy.js'
import {DEFAULT_MAX_DISK_BYTES, DEFAULT_RETENTION_SECONDS} from '../domain/recording.js'
import {parseBytes, parseDuration} from '../domain/units.js'
import {redactUrl} from '../media/redact.js'
import {type CredentialCandidate, credentialsFor} from '../onvif/credentials.js'
import type {DiscoveryFile} from '../onvif/discovery-file.js'
import {RtccError, usageError} from '../errors.js'

export interface CameraCandidate {
  /** The device's IP address (or host of an RTSP URL). */
  address: string
  name: string
  /** The main stream, as the camera reports it (no credentials). */
  rtspUrl: string
  deviceServiceUrl: string | null
  make: string | null
  model: string | null
  /** The account discovery found working, if any. */
  user: string | null
  auth: string
}

/** Recording on the Core for a camera: how long and how much it keeps. */
export interface RecordingPlan {
  retentionSeconds: number
  maxDiskBytes: number
}

export interface PlannedCamera extends Omit<CameraCandidate, 'user' | 'auth'> {
  credentials: {user: string; password: string} | null
  live: SharingMode
  recorded: SharingMode
  /** Set: the Core records this camera. */
  record?: RecordingPlan | null
}

/** Cameras in a discovery file that have a stream to relay, main stream first. */
export function candidatesFromDiscovery(file: DiscoveryFile): CameraCandidate[] {
  return file.devices
    .filter((d) => d.kind === 'camera')
    .flatMap((d) => {
      const profile = d.profiles.find((p) => p.rtspUri)
      if (!profile?.rtspUri) return []
      const label = d.name ?? ([d.manufacturer, d.model].filter(Boolean).join(' ') || 'Camera')
      return [{address: d.address, name: `${label} (${d.address})`.slice(0, 200), rtspUrl: profile.rtspUri, deviceServiceUrl: d.deviceServiceUrl ?? null, make: d.manufacturer ?? null, model: d.model ?? null, user: d.user ?? null, auth: d.auth}]
    })
}

/** `--camera` values pick candidates by address, name or stream URL; none given: all of them. */
export function selectCandidates(candidates: CameraCandidate[], wanted: string[] | undefined): CameraCandidate[] {
  if (!wanted?.length) return candidates
  return wanted.map((w) => {
    const found = candidates.find((c) => c.address === w || c.name.toLowerCase() === w.toLowerCase() || c.rtspUrl === w)
    if (!found) throw usageError(`--camera ${w}: no such camera in the discovery results`, `Cameras found: ${candidates.map((c) => c.address).join(', ') || 'none'}.`)
    return found
  })
}

/** The credentials for a camera: the row for the user discovery found working, else the first that applies. */
export function credentialsForCamera(candidate: CameraCandidate, rows: CredentialCandidate[]): {user: string; password: string} | null {
  const applicable = credentialsFor(rows, candidate.address)
  const chosen = applicable.find((r) => r.user === candidate.user) ?? applicable[0]
  return chosen ? {user: chosen.user, password: chosen.password} : null
}

export interface PolicyRow {
  camera: string
  live: SharingMode
  recorded: SharingMode
  /** Undefined: the provisioning default; null: not recorded. */
  record?: RecordingPlan | null
}

/**
 * A policy CSV: `camera,live,recorded` (camera = address, name or stream URL; modes
 * always|emergency|approval|never), optionally `record` (yes/no), `retention` (7d) and `max_disk` (50GiB).
 */
export async function readPolicyFile(path: string): Promise<PolicyRow[]> {
  let rows: Record<string, string>[]
  try {
    rows = parse(await readFile(path, 'utf8'), {columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()), skip_empty_lines: true, trim: true, comment: '#'})
  } catch (error) {
    throw new RtccError(`cannot read the policy file: ${(error as Error).message}`, {code: 'invalid_file', where: path, hint: 'Use a header row `camera,live,recorded`.'})
  }
  return rows.map((row, i) => {
    const where = `${path}:${i + 2}`
    if (!row.camera) throw new RtccError('missing camera', {code: 'invalid_file', where: `${where}:camera`, hint: 'The camera column holds an address, a name or a stream URL.'})
    const mode = (field: 'live' | 'recorded') => {
      const parsed = SharingMode.safeParse((row[field] || 'never').toLowerCase())
      if (!parsed.success) throw new RtccError(`"${row[field]}" is not a sharing mode`, {code: 'invalid_file', where: `${where}:${field}`, hint: `Use one of ${SharingMode.options.join(', ')}.`})
      return parsed.data
    }
    return {camera: row.camera, live: mode('live'), recorded: mode('recorded'), record: recordingOf(row, where)}
  })
}

function recordingOf(row: Record<string, string>, where: string): RecordingPlan | null | undefined {
  const flag = (row.record ?? '').toLowerCase()
  if (flag === '') return undefined
  if (['no', 'off', 'false', '0'].includes(flag)) return null
  if (!['yes', 'on', 'true', '1'].includes(flag)) throw new RtccError(`"${row.record}" is not yes or no`, {code: 'invalid_file', where: `${where}:record`, hint: 'Use yes or no (or leave it empty for the --record default).'})
  const checked = <T>(field: string, fn: () => T): T => {
    try {
      return fn()
    } catch (error) {
      throw new RtccError((error as Error).message, {code: 'invalid_file', where: `${where}:${field}`, hint: field === 'retention' ? 'e.g. 7d or 72h' : 'e.g. 50GiB or 500MB'})
    }
  }
  return {
    retentionSeconds: row.retention ? checked('retention', () => parseDuration(row.retention!, 'retention') / 1000) : DEFAULT_RETENTION_SECONDS,
    maxDiskBytes: row.max_disk ? checked('max_disk', () => parseBytes(row.max_disk!, 'max_disk')) : DEFAULT_MAX_DISK_BYTES,
  }
}

export interface PlanInput {
  candidates: CameraCandidate[]
  credentials: CredentialCandidate[]
  defaults: {live: SharingMode; recorded: SharingMode; record?: RecordingPlan | null}
  policyRows?: PolicyRow[]
}

export function planCameras(input: PlanInput): PlannedCamera[] {
  const rows = input.policyRows ?? []
  for (const row of rows)
    if (!input.candidates.some((c) => matches(c, row.camera))) throw usageError(`the policy file names camera "${row.camera}", which is not among the cameras chosen`)
  return input.candidates.map((c) => {
    const row = rows.find((r) => matches(c, r.camera))
    const {user: _user, auth: _auth, ...camera} = c
    return {...camera, credentials: credentialsForCamera(c, input.credentials), live: row?.live ?? input.defaults.live, recorded: row?.recorded ?? input.defaults.recorded, record: row?.record !== undefined ? row.record : (input.defaults.record ?? null)}
  })
}

const matches = (c: CameraCandidate, key: string) => c.address === key || c.name.toLowerCase() === key.toLowerCase() || c.rtspUrl === key

/** An RTSP URL typed by a person may carry user:password; the config keeps them apart. */
export function splitRtspUrl(url: string): {rtspUrl: string; credentials: {user: string; password: string} | null} {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw usageError(`--rtsp ${redactUrl(url)} is not a URL`, 'e.g. rtsp://192.168.1.20:554/stream1')
  }
  if (!/^rtsps?:$/.test(parsed.protocol)) throw usageError(`--rtsp ${redactUrl(url)} is not an rtsp:// URL`)
  const credentials = parsed.username ? {user: decodeURIComponent(parsed.username), password: decodeURIComponent(parsed.password)} : null
  parsed.username = ''
  parsed.password = ''
  return {rtspUrl: parsed.toString(), credentials}
}
