/** Human rendering for owner control: policies, decisions, panics, access requests and the access report. */
import type {AccessReport, AccessRequest} from '../domain/access.js'
import type {PanicView} from '../domain/panic.js'
import type {CameraPolicy, DecisionExplanation, KindPolicy, PolicyView} from '../domain/policy.js'
import {renderFields, renderTable} from '../output/table.js'
import {formatSchedule} from './schedule-text.js'

/** Local time with the zone, to the minute (wire and storage stay UTC). */
export const localTime = (iso: string | null): string =>
  iso ? new Date(iso).toLocaleString('sv-SE', {year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', timeZoneName: 'short'}) : ''

const rule = (k: KindPolicy) => (k.schedule?.length ? `${k.mode} (${formatSchedule(k.schedule)})` : k.mode)

export function renderPolicyViews(views: PolicyView[]): string {
  if (views.every((v) => v.view === 'agency')) {
    return renderTable(views, [
      {header: 'camera', get: (v) => v.cameraId},
      {header: 'name', get: (v) => v.cameraName},
      {header: 'live', get: (v) => v.live},
      {header: 'recorded', get: (v) => v.recorded},
      {header: 'updated', get: (v) => localTime(v.updatedAt)},
    ])
  }
  return renderTable(views, [
    {header: 'camera', get: (v) => v.cameraId},
    {header: 'name', get: (v) => v.cameraName},
    {header: 'live', get: (v) => (v.view === 'owner' && v.policy ? rule(v.policy.live) : v.live)},
    {header: 'recorded', get: (v) => (v.view === 'owner' && v.policy ? rule(v.policy.recorded) : v.recorded)},
    {header: 'zone', get: (v) => (v.view === 'owner' ? v.policy?.timeZone : '')},
    {header: 'emergency', get: (v) => (v.view === 'owner' && v.policy ? `${v.policy.emergencyMinutes} min` : '')},
    {header: 'source', get: (v) => v.source},
    {header: 'core', get: (v) => (v.view === 'owner' && v.pendingVersion ? 'update waiting' : '')},
  ])
}

/** The Core host's view (`policy show --config-dir`): what the Core enforces. */
export function renderLocalPolicies(rows: {cameraId: string; cameraName: string; policy: CameraPolicy}[]): string {
  return renderTable(rows, [
    {header: 'camera', get: (r) => r.cameraId},
    {header: 'name', get: (r) => r.cameraName},
    {header: 'live', get: (r) => rule(r.policy.live)},
    {header: 'recorded', get: (r) => rule(r.policy.recorded)},
    {header: 'zone', get: (r) => r.policy.timeZone},
    {header: 'emergency', get: (r) => `${r.policy.emergencyMinutes} min`},
    {header: 'version', get: (r) => r.policy.version},
  ])
}

export function renderPolicy(policy: CameraPolicy): string {
  return renderFields([
    ['camera', policy.cameraId],
    ['live', rule(policy.live)],
    ['recorded', rule(policy.recorded)],
    ['time zone', policy.timeZone],
    ['emergency', `a panic opens it for at most ${policy.emergencyMinutes} min`],
    ['version', policy.version],
  ])
}

export function renderExplanation(e: DecisionExplanation): string {
  const who = e.context.requester.name ? `${e.context.requester.name} (${e.context.requester.role})` : e.context.requester.role
  return [`${e.cameraName} (${e.cameraId}): may ${who} see ${e.context.kind} video at ${localTime(e.context.at)}?`, ...e.steps.map((s) => `  ${s}`)].join('\n') + '\n'
}

export function renderPanic(p: PanicView): string {
  const where = p.latitude === null ? 'no registered cameras' : `${p.latitude},${p.longitude}${p.address ? ` (${p.address})` : ''}`
  const head = renderFields([
    ['panic', p.panicId],
    ['site', p.site],
    ['location', where],
    ['message', p.message ?? ''],
    ['started', localTime(p.startedAt)],
    [p.clearedAt ? 'cleared' : 'until', localTime(p.clearedAt ?? p.until)],
  ])
  if (p.cameras.length === 0) return head + 'it opens no camera now: none is set to `emergency` (`rtcc policy set CAMERA --live emergency`), or it is outside its schedule\n'
  const kinds = (c: PanicView['cameras'][number]) => [c.live && 'live', c.recorded && 'recorded'].filter(Boolean).join('+')
  return head + `opens ${p.cameras.length} camera(s):\n` + p.cameras.map((c) => `  ${c.name} (${c.id}): ${kinds(c)} until ${localTime(c.until)}`).join('\n') + '\n'
}

export function renderAccessRequests(list: AccessRequest[]): string {
  return renderTable(list, [
    {header: 'id', get: (r) => r.id},
    {header: 'camera', get: (r) => r.cameraName},
    {header: 'requester', get: (r) => (r.agency ? `${r.requester.name} (${r.agency.name})` : r.requester.name)},
    {header: 'for', get: (r) => `${Math.round(r.durationSeconds / 60)} min`},
    {header: 'status', get: (r) => r.status},
    {header: 'window', get: (r) => (r.window ? `${localTime(r.window.from)} – ${localTime(r.window.until)}` : '')},
    {header: 'reason', get: (r) => r.reason},
  ])
}

export function renderAccessRequest(r: AccessRequest): string {
  return renderFields([
    ['request', r.id],
    ['camera', `${r.cameraName} (${r.cameraId})`],
    ['requester', r.agency ? `${r.requester.name}, ${r.agency.name}` : r.requester.name],
    ['reason', r.reason],
    ['asked for', `${Math.round(r.durationSeconds / 60)} min`],
    ...(r.recorded ? ([['recorded', `${localTime(r.recorded.from)} – ${localTime(r.recorded.to)}`]] as [string, string][]) : []),
    ['status', r.status],
    ...(r.window ? ([['window', `${localTime(r.window.from)} – ${localTime(r.window.until)}`]] as [string, string][]) : []),
    ...(r.decisionNote ? ([['note', r.decisionNote]] as [string, string][]) : []),
  ])
}

export function renderAccessReport(report: AccessReport): string {
  const s = report.summary
  const agencies = Object.entries(s.byAgency).map(([name, n]) => `${name}: ${n}`).join(', ') || 'none'
  const table = renderTable(report.entries, [
    {header: 'when', get: (e) => localTime(e.time)},
    {header: 'who', get: (e) => e.who},
    {header: 'agency', get: (e) => e.agency},
    {header: 'camera', get: (e) => e.cameraName ?? e.cameraId},
    {header: 'what', get: (e) => (e.outcome === 'allowed' ? e.action : `${e.action} (${e.outcome})`)},
    {header: 'video', get: (e) => e.kind},
    {header: 'why', get: (e) => e.reason},
  ])
  const head = `${report.entries.length} access record(s)${report.since ? ` since ${localTime(report.since)}` : ''}: ${s.live} live and ${s.recorded} recorded view(s) started, ${s.snapshots} snapshot(s), ${s.refused} refused; by agency: ${agencies}\n`
  return head + table + (report.truncated ? 'more records match: narrow with --since\n' : '')
}
