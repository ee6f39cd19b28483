/** Human rendering of canvasses and requests. */
import type {CanvassResult, FootageRequest, TimelineEntry} from '../domain/requests.js'
import {renderFields, renderTable} from './table.js'

const facing = (f: boolean | null) => (f === true ? 'faces incident' : f === false ? 'faces away' : 'direction unknown')
const ownerName = (r: FootageRequest) => r.owner?.organisation ?? r.owner?.displayName ?? r.ownerId

export function renderCanvass(result: CanvassResult): string {
  const lines = [`case ${result.caseId}: ${result.camerasInRange} cameras in range, ${result.requests.length} owner(s) ${result.dryRun ? 'WOULD BE contacted (dry run)' : 'contacted'}`]
  for (const request of result.requests) {
    const mail = (request as {mail?: {transport?: string; to?: string; error?: string}}).mail
    const how = result.dryRun ? '' : mail?.error ? `  ✘ ${mail.error}` : mail ? `  mailed via ${mail.transport}` : ''
    lines.push(`  ${request.id}  ${ownerName(request)}${how}`)
    for (const camera of request.cameras) lines.push(`      ${camera.name}  ${Math.round(camera.distanceMetres)} m, ${facing(camera.facesIncident)}`)
  }
  if (result.skipped.length) {
    lines.push(`  skipped ${result.skipped.length} camera(s):`)
    for (const s of result.skipped) lines.push(`      ${s.name}: ${s.reason}`)
  }
  return lines.join('\n') + '\n'
}

export function renderRequests(list: FootageRequest[]): string {
  return renderTable(list, [
    {header: 'id', get: (r) => r.id},
    {header: 'case', get: (r) => r.caseId},
    {header: 'owner', get: ownerName},
    {header: 'status', get: (r) => r.status},
    {header: 'cameras', get: (r) => r.cameras.length},
    {header: 'files', get: (r) => r.evidence.length},
    {header: 'expires', get: (r) => r.expiresAt},
  ])
}

export function renderRequest(request: FootageRequest & {timeline?: TimelineEntry[]}): string {
  const head = renderFields([
    ['request', request.id],
    ['case', request.caseId],
    ['agency', request.agency],
    ['issued by', request.issuedBy],
    ['owner', ownerName(request)],
    ['status', request.status + (request.declineReason ? ` (${request.declineReason})` : '')],
    ['window', `${request.window.from} → ${request.window.to}`],
    ['incident', `${request.incident.latitude},${request.incident.longitude} within ${Math.round(request.incident.radiusMetres)} m`],
    ['reason', request.reason],
    ['expires', request.expiresAt],
  ])
  const cameras = request.cameras.map((c) => `  ${c.cameraId}  ${c.name}  ${Math.round(c.distanceMetres)} m, ${facing(c.facesIncident)}`).join('\n')
  const files = request.evidence.map((f) => `  ${f.id}  ${f.size} bytes  sha256 ${f.sha256}${f.parentId ? `  (derived from ${f.parentId})` : ''}`).join('\n')
  const timeline = (request.timeline ?? []).map((t) => `  ${t.time}  ${t.event.padEnd(10)} ${t.actor.name}${t.from ? ` from ${t.from}` : ''}`).join('\n')
  return [head.trimEnd(), `cameras:\n${cameras || '  none'}`, `evidence:\n${files || '  none yet'}`, timeline && `timeline:\n${timeline}`].filter(Boolean).join('\n') + '\n'
}
