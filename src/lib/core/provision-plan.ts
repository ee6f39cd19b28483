/**
 * From `rtcc core provision` flags (and, on a terminal, the installer's answers) to the list of
 * cameras to enrol: where the cameras come from (a discovery file or a fresh scan), which ones, with
 * which credentials, under which starting policy. Prompts are passed in, so the same path serves
 * scripts (no prompts: flags and files decide everything) and people.
 */
import {readFile} from 'node:fs/promises'

import type {SharingMode} from '../domain/policy.js'
import {type CredentialCandidate, readCredentialsFile, readPassword} from '../onvif/credentials.js'
import {parseDiscoveryFile} from '../onvif/discovery-file.js'
import {RtccError, usageError} from '../errors.js'
import {type CameraCandidate, candidatesFromDiscovery, planCameras, type PlannedCamera, readPolicyFile, type RecordingPlan, selectCandidates} from './plan.js'

export interface PlanFlags {
  from?: string
  discover?: boolean
  subnet?: string[]
  interface?: string[]
  discoverTimeoutMs?: number
  camera?: string[]
  credentials?: string
  user?: string
  passwordFile?: string
  live: SharingMode
  recorded: SharingMode
  /** Record every camera (unless the policy file says otherwise) with these limits. */
  record?: RecordingPlan | null
  policies?: string
}

export interface PlanPrompts {
  pickCameras(candidates: CameraCandidate[]): Promise<CameraCandidate[]>
  /** Credentials for a camera none of the given ones fit; null to go on without. */
  credentials(camera: PlannedCamera): Promise<{user: string; password: string} | null>
  policy(camera: PlannedCamera): Promise<{live: SharingMode; recorded: SharingMode}>
  password(user: string): Promise<string>
}

async function credentialRows(flags: PlanFlags, prompts?: PlanPrompts): Promise<CredentialCandidate[]> {
  const rows = flags.credentials ? await readCredentialsFile(flags.credentials) : []
  if (flags.user) {
    const password = (await readPassword(flags.passwordFile)) ?? (prompts ? await prompts.password(flags.user) : undefined)
    if (password === undefined) throw usageError(`no password for --user ${flags.user}`, 'Pass --password-file FILE (or - for stdin), set RTCC_CAMERA_PASSWORD, or use --credentials FILE.')
    rows.unshift({user: flags.user, password})
  }
  return rows
}

async function candidates(flags: PlanFlags, credentials: CredentialCandidate[]): Promise<CameraCandidate[]> {
  if (flags.from && flags.discover) throw usageError('give either --from FILE or --discover, not both')
  if (flags.from) {
    let text: string
    try {
      text = await readFile(flags.from, 'utf8')
    } catch (error) {
      throw new RtccError(`cannot read the discovery file: ${(error as Error).message}`, {code: 'not_found', where: flags.from, hint: 'Write one with `rtcc discover -o discovery.json`.'})
    }
    return candidatesFromDiscovery(parseDiscoveryFile(text, flags.from))
  }
  if (flags.discover) {
    const [{discover}, {toDiscoveryFile}] = await Promise.all([import('../onvif/discovery.js'), import('../onvif/discovery-file.js')])
    const report = await discover({timeoutMs: flags.discoverTimeoutMs ?? 3000, subnets: flags.subnet, interfaces: flags.interface, credentials})
    return candidatesFromDiscovery(toDiscoveryFile(report))
  }
  throw usageError('where are the cameras? Give --from discovery.json or --discover', 'Cameras without ONVIF are added after provisioning with `rtcc core camera add --rtsp URL`.')
}

export async function planFromFlags(flags: PlanFlags, prompts?: PlanPrompts): Promise<PlannedCamera[]> {
  const rows = await credentialRows(flags, prompts)
  const found = await candidates(flags, rows)
  if (found.length === 0) throw new RtccError('no cameras with a video stream were found', {code: 'no_cameras', hint: 'Check the discovery (credentials let it read stream URIs), or add cameras later with `rtcc core camera add --rtsp URL`.'})
  const chosen = flags.camera?.length || !prompts ? selectCandidates(found, flags.camera) : await prompts.pickCameras(found)
  const policyRows = flags.policies ? await readPolicyFile(flags.policies) : undefined
  const planned = planCameras({candidates: chosen, credentials: rows, defaults: {live: flags.live, recorded: flags.recorded, record: flags.record}, policyRows})
  if (!prompts) return planned
  for (const [i, camera] of planned.entries()) {
    if (!camera.credentials && chosen[i]!.auth !== 'open') camera.credentials = await prompts.credentials(camera)
    if (!policyRows) Object.assign(camera, await prompts.policy(camera))
  }
  return planned
}
