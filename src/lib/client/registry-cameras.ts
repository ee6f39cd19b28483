/**
 * An owner's own cameras (`rtcc camera add|edit|remove|list`). Flags become camera fields here and
 * are checked against the domain schema before anything is sent, so a bad value is a usage error
 * that names its flag.
 */
import {type Camera, CameraFields, CameraPatch} from '../domain/camera.js'
import {usageError} from '../errors.js'
import type {ApiClient} from './api.js'
import {parseLatLon} from './registry.js'

/** What the camera commands take; a blank string clears an optional text field on `edit`. */
export interface CameraFlags {
  name?: string
  at?: string
  address?: string
  type?: string
  make?: string
  model?: string
  view?: string
  direction?: number
  fov?: number
  records?: boolean
  'retention-days'?: number
  live?: boolean
  tag?: string[]
}

const FLAG_FOR_FIELD: Record<keyof CameraFields, string> = {
  name: '--name', latitude: '--at', longitude: '--at', address: '--address', locationType: '--type', make: '--make', model: '--model',
  viewDescription: '--view', viewDirection: '--direction', fieldOfView: '--fov', records: '--records', retentionDays: '--retention-days',
  liveCapable: '--live', tags: '--tag',
}

const text = (value: string | undefined) => (value === undefined ? undefined : value.trim() === '' ? null : value.trim())

/** The fields the flags set (and only those). */
export function cameraPatchFromFlags(flags: CameraFlags): CameraPatch {
  const at = flags.at === undefined ? undefined : parseLatLon(flags.at)
  const patch: Record<string, unknown> = {
    name: flags.name,
    latitude: at?.latitude,
    longitude: at?.longitude,
    address: text(flags.address),
    locationType: flags.type?.toLowerCase(),
    make: text(flags.make),
    model: text(flags.model),
    viewDescription: text(flags.view),
    viewDirection: flags.direction,
    fieldOfView: flags.fov,
    records: flags.records,
    retentionDays: flags['retention-days'],
    liveCapable: flags.live,
    tags: flags.tag?.flatMap((t) => t.split(',')).map((t) => t.trim()).filter(Boolean),
  }
  for (const key of Object.keys(patch)) if (patch[key] === undefined) delete patch[key]
  return checked(CameraPatch, patch)
}

/** A new camera: `--name` and `--at` are required, the rest default to unknown / no. */
export function newCameraFromFlags(flags: CameraFlags): CameraFields {
  if (flags.name === undefined || flags.at === undefined) throw usageError('a camera needs --name and --at', 'e.g. --name "Front door" --at 41.8781,-87.6298')
  const given = cameraPatchFromFlags(flags)
  const records = given.records ?? (given.retentionDays !== undefined && given.retentionDays !== null)
  return checked(CameraFields, {
    address: null, locationType: 'business', make: null, model: null, viewDescription: null, viewDirection: null, fieldOfView: null,
    retentionDays: null, liveCapable: false, tags: [], ...given, records,
  })
}

function checked<T>(schema: {safeParse(value: unknown): {success: true; data: T} | {success: false; error: {issues: {path: PropertyKey[]; message: string}[]}}}, value: unknown): T {
  const result = schema.safeParse(value)
  if (result.success) return result.data
  const issue = result.error.issues[0]!
  const field = issue.path[0] as keyof CameraFields
  throw usageError(`${FLAG_FOR_FIELD[field] ?? String(field)}: ${issue.message}`, 'See --help for what each flag accepts.')
}

export const listMyCameras = (api: ApiClient): Promise<Camera[]> => api.get<Camera[]>('/v1/cameras')
export const addCamera = (api: ApiClient, fields: CameraFields): Promise<Camera> => api.post<Camera>('/v1/cameras', fields)

export function editCamera(api: ApiClient, id: string, patch: CameraPatch): Promise<Camera> {
  if (Object.keys(patch).length === 0) throw usageError('nothing to change', 'Pass at least one flag, e.g. --name or --retention-days.')
  return api.patch<Camera>(`/v1/cameras/${encodeURIComponent(id)}`, patch)
}

export const removeCamera = (api: ApiClient, id: string): Promise<{deleted: true; id: string}> => api.delete(`/v1/cameras/${encodeURIComponent(id)}`)
