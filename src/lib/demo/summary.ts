/** What `rtcc demo` tells a human: where the server is, who can log in, how to watch, what happened. */
import {renderFields, renderTable} from '../output/table.js'
import type {DemoInfo, StepResult} from './index.js'

const MARK: Record<StepResult['outcome'], string> = {done: '✓', skipped: '–', failed: '✗'}

export const stepLine = (result: StepResult): string => `${MARK[result.outcome]} ${result.step}: ${result.detail}`

export function describeDemo(info: DemoInfo): string {
  const env = Object.entries(info.dashboardEnv).map(([k, v]) => `${k}=${v}`).join(' \\\n  ')
  return [
    renderFields([
      ['server', info.server.url],
      ['fingerprint', info.server.fingerprint],
      ['data dir', `${info.server.dataDir} (removed on exit)`],
      ['registry', `${info.registry.cameras} cameras of ${info.registry.owners} owners (${info.registry.sources.map((s) => `${s.source} ${s.imported}`).join(', ')})`],
      ['incident', `case ${info.incident.caseId} at ${info.incident.latitude},${info.incident.longitude}, radius ${info.incident.radius}`],
    ]),
    ...info.registry.missing.map((m) => `not seeded: ${m}\n`),
    renderTable(info.accounts, [
      {header: 'role', get: (a) => a.role},
      {header: 'user', get: (a) => a.username},
      {header: 'password', get: (a) => a.password},
    ], true),
    renderTable(info.core.cameras, [
      {header: 'shop camera', get: (c) => c.name},
      {header: 'live sharing', get: (c) => c.live},
      {header: 'camera id', get: (c) => c.id},
      {header: 'simulated at', get: (c) => c.rtspUrl},
    ], true),
    `Watch from another terminal:\n  ${env} \\\n  rtcc dashboard\n`,
  ].join('\n')
}
