/** Events that flow from the server's hub to dashboards over SSE (`GET /v1/events`). */
export type Severity = 'info' | 'warning' | 'critical'

export interface RtccEvent {
  /** Monotonic; the SSE `id:` and what `Last-Event-ID` replays from. */
  id: number
  type: string
  time: string
  severity: Severity
  /** The owner this concerns, if any: owners only receive their own events. */
  ownerId: string | null
  data: Record<string, unknown>
}

export interface PublishInput {
  type: string
  severity?: Severity
  ownerId?: string | null
  data: Record<string, unknown>
}
