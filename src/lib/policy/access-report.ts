/**
 * The owner's access report: audit records about the owner's cameras, access requests and evidence,
 * turned into "who looked at what, when, as live or recorded video, under which policy reason".
 */
import type {AccessReport, AccessReportEntry} from '../domain/access.js'
import type {AccessAuditRow} from '../store/access.js'

const text = (value: unknown): string | null => (typeof value === 'string' && value ? value : null)

function kindOf(row: AccessAuditRow): AccessReportEntry['kind'] {
  const kind = row.detail?.kind
  if (kind === 'live' || kind === 'recorded') return kind
  return row.action.startsWith('evidence.') ? 'recorded' : null
}

/** Why it happened, in words: the Core's policy reason when the record has one. */
function reasonOf(row: AccessAuditRow): string | null {
  const d = row.detail ?? {}
  const policyReason = text(d.policyReason)
  if (policyReason) return policyReason
  if (row.outcome === 'denied' && row.action.startsWith('policy.')) return 'tried to change your sharing policy (refused: only you can)'
  switch (row.action) {
    case 'access.request':
      return `asked for access: ${text(d.reason) ?? 'no reason given'}`
    case 'evidence.download':
      return `downloaded footage you sent for request ${text(d.requestId) ?? '?'}`
    case 'policy.read':
    case 'policy.list':
      return 'looked at your sharing mode'
    case 'policy.explain':
      return 'checked whether they may view'
    default:
      return null
  }
}

export function buildAccessReport(rows: AccessAuditRow[], options: {ownerId: string; since: string | null; now: Date; limit: number}): AccessReport {
  const entries = rows.slice(0, options.limit).map(
    (row): AccessReportEntry => ({
      time: row.time,
      seq: row.seq,
      who: row.actorName,
      role: row.role,
      agency: text(row.detail?.agency) ?? row.agencyName,
      action: row.action,
      outcome: row.outcome,
      cameraId: row.cameraId,
      cameraName: row.cameraName,
      kind: kindOf(row),
      reason: reasonOf(row),
    }),
  )
  const byAgency: Record<string, number> = {}
  for (const e of entries) byAgency[e.agency ?? '(no agency)'] = (byAgency[e.agency ?? '(no agency)'] ?? 0) + 1
  const started = (e: AccessReportEntry) => e.outcome === 'allowed' && (e.action === 'stream.start' || e.action === 'evidence.download')
  return {
    ownerId: options.ownerId,
    since: options.since,
    generatedAt: options.now.toISOString(),
    entries,
    truncated: rows.length > options.limit,
    summary: {
      byAgency,
      live: entries.filter((e) => started(e) && e.kind === 'live').length,
      recorded: entries.filter((e) => started(e) && e.kind === 'recorded').length,
      refused: entries.filter((e) => e.outcome === 'denied').length,
    },
  }
}
