/**
 * The one place that knows which server events the dashboard shows and how. Each event becomes zero or
 * more effects: an alert, the resolution of an earlier alert (a camera back online, a panic cleared),
 * a live stream starting or stopping, a footage request changing state. Event names and data fields
 * come from the server (request.* today; panic.*, access.*, stream.*, core.*, camera.*, recording.* with the Core);
 * an event type not listed here is simply not shown.
 */
import type {RtccEvent, Severity} from '../../lib/domain/events.js'
import type {RequestStatus} from '../../lib/domain/requests.js'
import {clock} from '../render/format.js'

export interface LatLon {
  latitude: number
  longitude: number
}

export interface AlertCamera {
  id: string
  name: string
}

export interface AlertInput {
  title: string
  detail: string
  /** Alerts about the same thing share a key, so a later event can resolve them. */
  key?: string
  location?: LatLon
  cameras?: AlertCamera[]
  /** When it happened, if not when the server announced it (a panic: when the owner raised it). */
  time?: string
  /** Never shown below this, whatever the server said. */
  minSeverity: Severity
}

export interface LiveStream {
  /** The server's stream id; a camera can have a live and a recorded stream at once. */
  key: string
  cameraId: string
  cameraName: string
  site: string
  /** Why the stream is allowed: the owner's policy mode (always, emergency, approval). */
  policyMode: string
  since: string
  bitrate: number | null
  fps: number | null
  viewers: number | null
}

export type Effect =
  | {kind: 'alert'; alert: AlertInput}
  | {kind: 'resolve'; key: string; note: string}
  | {kind: 'stream-start'; stream: LiveStream}
  | {kind: 'stream-stop'; key: string}
  | {kind: 'request'; requestId: string; caseId: string; status: RequestStatus}

const str = (data: Record<string, unknown>, key: string): string | undefined => {
  const value = data[key]
  return typeof value === 'string' && value !== '' ? value : undefined
}

const num = (data: Record<string, unknown>, key: string): number | null => {
  const value = data[key]
  return typeof value === 'number' && Number.isFinite(value) ? value : null
}

function location(data: Record<string, unknown>): LatLon | undefined {
  const latitude = num(data, 'latitude')
  const longitude = num(data, 'longitude')
  return latitude === null || longitude === null ? undefined : {latitude, longitude}
}

function cameras(data: Record<string, unknown>): AlertCamera[] {
  const list = Array.isArray(data.cameras) ? data.cameras : []
  return list.flatMap((c) => {
    const camera = (c ?? {}) as Record<string, unknown>
    const id = str(camera, 'id')
    return id ? [{id, name: str(camera, 'name') ?? id}] : []
  })
}

/** One panic by its id (an owner can raise another after clearing one); older events only had the owner. */
const panicKey = (event: RtccEvent) => `panic:${str(event.data, 'panicId') ?? str(event.data, 'ownerId') ?? event.ownerId ?? '?'}`
const accessKey = (data: Record<string, unknown>) => `access:${str(data, 'id') ?? str(data, 'accessId') ?? str(data, 'cameraId')}`
/** `requester` is `{name}` in an access request, a plain name in older shapes. */
const requester = (data: Record<string, unknown>) => {
  const value = data.requester
  if (typeof value === 'object' && value !== null) return str(value as Record<string, unknown>, 'name')
  return str(data, 'requester') ?? str(data, 'requestedBy')
}
const windowUntil = (data: Record<string, unknown>) => {
  const window = data.window
  return (typeof window === 'object' && window !== null ? str(window as Record<string, unknown>, 'until') : undefined) ?? str(data, 'until')
}
const cameraLabel = (data: Record<string, unknown>) => str(data, 'cameraName') ?? str(data, 'cameraId') ?? 'a camera'
const coreLabel = (data: Record<string, unknown>) => str(data, 'coreName') ?? str(data, 'site') ?? str(data, 'coreId') ?? 'a Core'
const at = (data: Record<string, unknown>) => (str(data, 'site') ? ` at ${str(data, 'site')}` : '')

const requestAlert = (title: string, minSeverity: Severity) => (event: RtccEvent): AlertInput => {
  const d = event.data
  const reason = str(d, 'reason')
  return {title: `${title}: case ${str(d, 'caseId') ?? '?'}`, detail: `request ${str(d, 'requestId') ?? '?'}${reason ? ` — ${reason}` : ''}`, minSeverity}
}

/** Event type → the alert it raises. */
const ALERTS: Record<string, (event: RtccEvent) => AlertInput> = {
  'panic.triggered': (e) => {
    const list = cameras(e.data)
    const until = str(e.data, 'until')
    const address = str(e.data, 'address')
    return {
      title: `PANIC${at(e.data)}`,
      detail: [str(e.data, 'message'), address, list.length ? `${list.length} camera${list.length === 1 ? '' : 's'} shared` : undefined, until ? `until ${clock(until)}` : undefined].filter(Boolean).join(' — '),
      key: panicKey(e),
      location: location(e.data),
      cameras: list,
      time: str(e.data, 'startedAt'),
      minSeverity: 'critical',
    }
  },
  'camera.offline': (e) => ({title: `Camera offline: ${cameraLabel(e.data)}`, detail: [str(e.data, 'site'), str(e.data, 'detail')].filter(Boolean).join(' — '), key: `camera:${str(e.data, 'cameraId')}`, minSeverity: 'warning'}),
  'core.offline': (e) => ({title: `Core offline: ${coreLabel(e.data)}`, detail: str(e.data, 'detail') ?? '', key: `core:${str(e.data, 'coreId')}`, minSeverity: 'warning'}),
  'request.fulfilled': requestAlert('Footage delivered', 'info'),
  'request.declined': requestAlert('Request declined', 'warning'),
  'request.expired': requestAlert('Request expired unanswered', 'warning'),
  'access.requested': (e) => ({
    title: `Access requested: ${cameraLabel(e.data)}`,
    detail: [requester(e.data), str(e.data, 'reason')].filter(Boolean).join(' — '),
    key: accessKey(e.data),
    minSeverity: 'info',
  }),
  'access.approved': (e) => {
    const until = windowUntil(e.data)
    return {title: `Access approved: ${cameraLabel(e.data)}`, detail: [requester(e.data) ? `for ${requester(e.data)}` : undefined, until ? `until ${clock(until)}` : undefined].filter(Boolean).join(' '), minSeverity: 'info'}
  },
  'access.denied': (e) => ({title: `Access denied: ${cameraLabel(e.data)}`, detail: str(e.data, 'reason') ?? '', minSeverity: 'warning'}),
  'recording.pulled': (e) => ({title: `Recording pulled: ${cameraLabel(e.data)}`, detail: [`case ${str(e.data, 'caseId') ?? '?'}`, requester(e.data)].filter(Boolean).join(' — '), minSeverity: 'info'}),
  'recording.refused': (e) => ({title: `Recording refused: ${cameraLabel(e.data)}`, detail: [requester(e.data), str(e.data, 'reason')].filter(Boolean).join(' — '), minSeverity: 'info'}),
}

/** Event type → the key of the earlier alert it resolves, and how to say so. */
const RESOLVES: Record<string, (event: RtccEvent) => {key: string; note: string}> = {
  'panic.cleared': (e) => ({key: panicKey(e), note: 'cleared'}),
  'camera.online': (e) => ({key: `camera:${str(e.data, 'cameraId')}`, note: 'back online'}),
  'core.online': (e) => ({key: `core:${str(e.data, 'coreId')}`, note: 'back online'}),
  'access.approved': (e) => ({key: accessKey(e.data), note: 'approved'}),
  'access.denied': (e) => ({key: accessKey(e.data), note: 'denied'}),
}

export const ALERT_TYPES = Object.keys(ALERTS)

/** A live stream from a `stream.started` event or a `GET /v1/streams` row (the same fields). */
export function streamOf(row: object, fallbackTime: string): LiveStream | undefined {
  const d = row as Record<string, unknown>
  const cameraId = str(d, 'cameraId')
  if (!cameraId) return undefined
  return {
    key: str(d, 'streamId') ?? cameraId,
    cameraId,
    cameraName: str(d, 'cameraName') ?? cameraId,
    site: str(d, 'site') ?? '',
    policyMode: str(d, 'policyMode') ?? '?',
    since: str(d, 'startedAt') ?? str(d, 'since') ?? fallbackTime,
    bitrate: num(d, 'bitrate'),
    fps: num(d, 'fps'),
    viewers: num(d, 'viewers'),
  }
}

const pullKey = (data: Record<string, unknown>) => `pull:${str(data, 'cameraId')}:${windowFrom(data)}`
const windowFrom = (data: Record<string, unknown>) => {
  const window = data.window
  return typeof window === 'object' && window !== null ? str(window as Record<string, unknown>, 'from') : undefined
}

const REQUEST_STATES: readonly RequestStatus[] = ['issued', 'delivered', 'viewed', 'fulfilled', 'declined', 'expired', 'cancelled']

export function effectsOf(event: RtccEvent): Effect[] {
  const effects: Effect[] = []
  const resolve = RESOLVES[event.type]
  if (resolve) effects.push({kind: 'resolve', ...resolve(event)})
  const alert = ALERTS[event.type]
  if (alert) effects.push({kind: 'alert', alert: alert(event)})
  if (event.type === 'stream.started') {
    const stream = streamOf(event.data, event.time)
    if (stream) effects.push({kind: 'stream-start', stream})
  } else if (event.type === 'recording.pull.started') {
    // A pull of recorded video in progress shows with the streams until it ends.
    const stream = streamOf({...event.data, streamId: pullKey(event.data), policyMode: 'pulling', site: requester(event.data) ?? ''}, event.time)
    if (stream) effects.push({kind: 'stream-start', stream})
  } else if (event.type === 'recording.pull.ended') {
    effects.push({kind: 'stream-stop', key: pullKey(event.data)})
  } else if (event.type === 'stream.stopped') {
    const key = str(event.data, 'streamId') ?? str(event.data, 'cameraId')
    if (key) effects.push({kind: 'stream-stop', key})
  } else if (event.type.startsWith('request.')) {
    const status = event.type.slice('request.'.length) as RequestStatus
    const requestId = str(event.data, 'requestId')
    const caseId = str(event.data, 'caseId')
    if (REQUEST_STATES.includes(status) && requestId && caseId) effects.push({kind: 'request', requestId, caseId, status})
  }
  return effects
}
