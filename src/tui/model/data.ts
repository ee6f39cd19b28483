/**
 * What the dashboard knows, as a pure reducer over server events and loads: alerts (newest first,
 * bounded), live streams, footage requests by case, and the connection. Applying an event twice
 * changes nothing (events at or below the last id seen are ignored), so a replay after a reconnect
 * can never double an alert.
 */
import type {RtccEvent, Severity} from '../../lib/domain/events.js'
import type {RequestStatus} from '../../lib/domain/requests.js'
import {type AlertCamera, effectsOf, type LatLon, type LiveStream} from './event-map.js'

export const MAX_ALERTS = 10_000

export interface Alert {
  /** The event id that raised it. */
  id: number
  type: string
  time: string
  severity: Severity
  title: string
  detail: string
  key?: string
  location?: LatLon
  cameras?: AlertCamera[]
  acknowledged: boolean
  resolved?: {time: string; note: string}
  /** Raised before this dashboard connected: caught up from the server's buffer. */
  replayed: boolean
}

export interface TrackedRequest {
  caseId: string
  status: RequestStatus
  /** Last change, for ordering cases by activity. */
  changed: string
}

export type ConnectionState = 'connecting' | 'connected' | 'disconnected' | 'stopped'

export interface Connection {
  state: ConnectionState
  detail?: string
  /** When the current state began (ms since epoch, client clock). */
  since: number
  /** Failed attempts since the last successful connection. */
  attempts: number
  /** When the server was last lost, while it still is (ms since epoch). */
  downSince?: number
  lastEventId?: number
  /** Receipt time minus server time of the last live event, in ms. */
  lagMs?: number
  /** Events caught up from the server's buffer since the last (re)connection. */
  caughtUp: number
}

export interface DashboardData {
  alerts: Alert[]
  streams: LiveStream[]
  requests: Record<string, TrackedRequest>
  requestsError?: string
  connection: Connection
}

export type DataAction =
  | {type: 'events'; events: RtccEvent[]; receivedAt: number}
  | {type: 'connection'; state: ConnectionState; detail?: string; at: number}
  | {type: 'requests-loaded'; requests: {id: string; caseId: string; status: RequestStatus; updatedAt: string}[]}
  | {type: 'requests-failed'; message: string}
  /** The server's list of live streams, asked for at `requestedAt`: it replaces what events built up. */
  | {type: 'streams-loaded'; streams: LiveStream[]; requestedAt: number}
  | {type: 'acknowledge'; ids: number[]}

export const initialData = (now = Date.now()): DashboardData => ({
  alerts: [],
  streams: [],
  requests: {},
  connection: {state: 'connecting', since: now, attempts: 0, caughtUp: 0},
})

const SEVERITY_RANK: Record<Severity, number> = {info: 0, warning: 1, critical: 2}
export const severityRank = (severity: Severity): number => SEVERITY_RANK[severity] ?? 0
const atLeast = (a: Severity, b: Severity): Severity => (severityRank(a) >= severityRank(b) ? a : b)

/** Requests only move forward: a replayed `issued` never reopens a fulfilled request. */
const STATUS_RANK: Record<RequestStatus, number> = {issued: 0, delivered: 1, viewed: 2, fulfilled: 3, declined: 3, expired: 3, cancelled: 3}

/** Whether `next` moves the request forward. */
const advances = (current: TrackedRequest | undefined, next: TrackedRequest) => !current || STATUS_RANK[current.status] < STATUS_RANK[next.status]

/** Applies many request changes with one copy of the table (a spread per change is quadratic). */
function trackRequests(requests: Record<string, TrackedRequest>, changes: [string, TrackedRequest][]): Record<string, TrackedRequest> {
  let copy: Record<string, TrackedRequest> | undefined
  for (const [id, next] of changes) {
    if (!advances((copy ?? requests)[id], next)) continue
    copy ??= {...requests}
    copy[id] = next
  }
  return copy ?? requests
}

/** An event a dashboard receives more than a second before it connected was replayed from the buffer. */
const REPLAY_MARGIN_MS = 1000

/**
 * Applies a batch of events (a reconnect can replay thousands at once): the alert list is copied once
 * per batch and new alerts are prepended together, so catching up stays linear.
 */
function applyEvents(data: DashboardData, events: RtccEvent[], receivedAt: number): DashboardData {
  let {streams, connection} = data
  let existing: Alert[] | undefined
  const added: Alert[] = []
  const requestChanges: [string, TrackedRequest][] = []
  const resolve = (list: Alert[], key: string, resolved: Alert['resolved']) => {
    for (let i = 0; i < list.length; i++) if (list[i]!.key === key && !list[i]!.resolved) list[i] = {...list[i]!, resolved}
  }
  for (const event of events) {
    if (connection.lastEventId !== undefined && event.id <= connection.lastEventId) continue
    const eventMs = Date.parse(event.time)
    const replayed = eventMs < connection.since - REPLAY_MARGIN_MS
    for (const effect of effectsOf(event)) {
      switch (effect.kind) {
        case 'alert': {
          const {minSeverity, ...alert} = effect.alert
          added.push({id: event.id, type: event.type, severity: atLeast(event.severity, minSeverity), ...alert, time: alert.time ?? event.time, acknowledged: false, replayed})
          break
        }
        case 'resolve':
          existing ??= data.alerts.slice()
          resolve(existing, effect.key, {time: event.time, note: effect.note})
          resolve(added, effect.key, {time: event.time, note: effect.note})
          break
        case 'stream-start':
          streams = [effect.stream, ...streams.filter((s) => s.key !== effect.stream.key)]
          break
        case 'stream-stop':
          streams = streams.filter((s) => s.key !== effect.key)
          break
        case 'request':
          requestChanges.push([effect.requestId, {caseId: effect.caseId, status: effect.status, changed: event.time}])
          break
      }
    }
    connection = {
      ...connection,
      lastEventId: event.id,
      lagMs: replayed ? connection.lagMs : Math.max(0, receivedAt - eventMs),
      caughtUp: connection.caughtUp + (replayed ? 1 : 0),
    }
  }
  if (connection === data.connection) return data
  let alerts = existing ?? data.alerts
  if (added.length > 0) {
    const kept = Math.max(0, MAX_ALERTS - added.length)
    alerts = added.slice(-MAX_ALERTS).reverse().concat(alerts.length > kept ? alerts.slice(0, kept) : alerts)
  }
  return {...data, alerts, streams, requests: trackRequests(data.requests, requestChanges), connection}
}

export function dataReducer(data: DashboardData, action: DataAction): DashboardData {
  switch (action.type) {
    case 'events':
      return applyEvents(data, action.events, action.receivedAt)
    case 'connection': {
      const previous = data.connection
      const failed = action.state === 'disconnected'
      return {
        ...data,
        connection: {
          ...previous,
          state: action.state,
          detail: action.detail,
          since: action.state === previous.state ? previous.since : action.at,
          attempts: action.state === 'connected' ? 0 : previous.attempts + (failed ? 1 : 0),
          downSince: action.state === 'connected' ? undefined : (previous.downSince ?? (failed ? action.at : undefined)),
          caughtUp: action.state === 'connected' ? 0 : previous.caughtUp,
        },
      }
    }
    case 'requests-loaded':
      return {...data, requests: trackRequests(data.requests, action.requests.map((r) => [r.id, {caseId: r.caseId, status: r.status, changed: r.updatedAt}])), requestsError: undefined}
    case 'streams-loaded': {
      // Streams that started after the list was asked for may be missing from it: keep those.
      const listed = new Set(action.streams.map((s) => s.key))
      const newer = data.streams.filter((s) => !listed.has(s.key) && Date.parse(s.since) >= action.requestedAt)
      return {...data, streams: [...newer, ...action.streams]}
    }
    case 'requests-failed':
      return {...data, requestsError: action.message}
    case 'acknowledge': {
      const ids = new Set(action.ids)
      return {...data, alerts: data.alerts.map((a) => (ids.has(a.id) && !a.acknowledged ? {...a, acknowledged: true} : a))}
    }
  }
}

export interface CaseRow {
  caseId: string
  total: number
  fulfilled: number
  declined: number
  expired: number
  cancelled: number
  open: number
  changed: string
}

/** Canvasses by case: those with requests still open first, then by latest activity. */
export function selectCases(requests: Record<string, TrackedRequest>): CaseRow[] {
  const cases = new Map<string, CaseRow>()
  for (const r of Object.values(requests)) {
    const row = cases.get(r.caseId) ?? {caseId: r.caseId, total: 0, fulfilled: 0, declined: 0, expired: 0, cancelled: 0, open: 0, changed: r.changed}
    row.total++
    if (r.status === 'fulfilled' || r.status === 'declined' || r.status === 'expired' || r.status === 'cancelled') row[r.status]++
    else row.open++
    if (r.changed > row.changed) row.changed = r.changed
    cases.set(r.caseId, row)
  }
  return [...cases.values()].sort((a, b) => Number(b.open > 0) - Number(a.open > 0) || b.changed.localeCompare(a.changed))
}

export const unacknowledged = (alerts: Alert[]): number => alerts.reduce((n, a) => n + (a.acknowledged || a.resolved ? 0 : 1), 0)
