/** `rtcc audit query`: one page, or follow new records as they are appended (polling by sequence number). */
import type {AuditRecord} from '../audit/record.js'
import {parseTime} from '../domain/units.js'
import type {ApiClient} from './api.js'

export interface AuditFilters {
  actor?: string
  action?: string
  target?: string
  outcome?: string
  since?: string
  until?: string
  limit?: number
}

const params = (filters: AuditFilters, afterSeq?: number) => ({
  ...filters,
  since: filters.since && parseTime(filters.since, '--since'),
  until: filters.until && parseTime(filters.until, '--until'),
  afterSeq,
})

export function queryAudit(api: ApiClient, filters: AuditFilters): Promise<AuditRecord[]> {
  return api.get<AuditRecord[]>('/v1/audit', params(filters))
}

/**
 * Yields matching records as they appear. Each poll is itself an audited read; the follower's own
 * polls are hidden (they are still in the log) so the stream shows what others do.
 */
export async function* followAudit(api: ApiClient, filters: AuditFilters, options: {intervalMs?: number; signal?: AbortSignal; me: string}): AsyncGenerator<AuditRecord> {
  const first = await api.get<AuditRecord[]>('/v1/audit', params({...filters, limit: filters.limit ?? 20}))
  let afterSeq = 0
  for (const record of first) {
    afterSeq = Math.max(afterSeq, record.seq)
    yield record
  }
  while (!options.signal?.aborted) {
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 1000))
    if (options.signal?.aborted) return
    const page = await api.get<AuditRecord[]>('/v1/audit', params({...filters, limit: 1000}, afterSeq))
    for (const record of page) {
      afterSeq = Math.max(afterSeq, record.seq)
      const ownPoll = record.action === 'audit.query' && record.actorName === options.me && (record.detail as {query?: {afterSeq?: number}})?.query?.afterSeq !== undefined
      if (!ownPoll) yield record
    }
  }
}
