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

/** Why a stream stopped (domain/stream END_REASONS), in the owner's words. */
const STOPPED: Record<string, string> = {
  'viewer-left': 'the viewer left',
  'policy-window-ended': 'the time your policy allowed ended',
  'owner-revoked': 'you revoked the access',
  'core-offline': 'the link to your Core dropped',
  'camera-failed': 'the camera or its video failed',
  'server-shutdown': 'the rtcc server shut down',
  refused: 'your Core refused to go on',
}

function stopReason(detail: Record<string, unknown>): string {
  const code = text(detail.reason)
  const seconds = typeof detail.durationSeconds === 'number' ? ` after ${detail.durationSeconds} s` : ''
  return `stopped${seconds}: ${code ? (STOPPED[code] ?? code) : 'no reason recorded'}`
}

const isSnapshot = (row: AccessAuditRow): boolean => row.detail?.snapshot === true

/** Why it happened, in words: the Core's policy reason when the record has one; why, for a stop. */
function reasonOf(row: AccessAuditRow): string | null {
  const d = row.detail ?? {}
  // A stop record repeats its start's policy reason: what the owner wants to know is why it ended.
  if (row.action === 'stream.stop') return stopReason(d)
  const policyReason = text(d.policyReason)
  if (policyReason) return isSnapshot(row) ? `a single picture: ${policyReason}` : policyReason
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
  const kept = rows.slice(0, options.limit)
  const entries = kept.map(
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
  const snapshot = new Set(kept.filter(isSnapshot).map((row) => row.seq))
  const allowed = (e: AccessReportEntry) => e.outcome === 'allowed'
  // A snapshot is one picture, counted on its own and not as a live or recorded view.
  const started = (e: AccessReportEntry) => allowed(e) && !snapshot.has(e.seq) && (e.action === 'stream.start' || e.action === 'evidence.download')
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
      snapshots: entries.filter((e) => allowed(e) && snapshot.has(e.seq) && (e.action === 'stream.start' || e.action === 'stream.view')).length,
      refused: entries.filter((e) => e.outcome === 'denied').length,
    },
  }
}
