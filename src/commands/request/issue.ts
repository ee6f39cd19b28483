import {Flags} from '@oclif/core'

import type {CanvassResult} from '../../lib/domain/requests.js'
import {RtccCommand} from '../../lib/output/base-command.js'
import {usageError} from '../../lib/errors.js'
import {renderCanvass} from '../../lib/output/requests.js'

export default class RequestIssue extends RtccCommand<typeof RequestIssue> {
  static override summary = 'Issue a footage canvass: one request per owner of the registered cameras around an incident.'
  static override description =
    'Cameras facing the incident come first; cameras that do not record or whose retention has passed for the window are left out and listed. Each owner gets an email with a one-time token. --dry-run shows who would be contacted.'
  static override examples = [
    '<%= config.bin %> request issue --at 41.8781,-87.6298 --radius 300m --from 2026-11-28T21:00:00Z --to 2026-11-28T23:00:00Z --case 26-114233 --reason "armed robbery at the corner store"',
    '<%= config.bin %> request issue --at 41.8781,-87.6298 --radius 300m --from 2026-11-28T21:00Z --to 2026-11-28T23:00Z --case 26-114233 --reason "…" --dry-run --json',
    '<%= config.bin %> request issue --batch incidents.csv --json',
  ]
  static override flags = {
    at: Flags.string({description: 'Incident location LAT,LON.'}),
    radius: Flags.string({description: 'Search radius: 300m, 0.5km, 1000ft, 0.25mi.', default: '300m'}),
    from: Flags.string({description: 'Start of the time window (ISO-8601).'}),
    to: Flags.string({description: 'End of the time window (ISO-8601).'}),
    case: Flags.string({description: 'Case number.'}),
    reason: Flags.string({description: 'Why the footage is needed (the owner reads this).'}),
    type: Flags.string({description: 'Only these location types: business,residence,…'}),
    cameras: Flags.string({description: 'Only these camera ids (comma-separated).'}),
    expires: Flags.string({description: 'How long owners have to answer.', default: '7d'}),
    'dry-run': Flags.boolean({description: 'Show who would be contacted, send nothing.'}),
    batch: Flags.string({description: 'CSV of incidents: case,lat,lon,radius,from,to,reason.', exclusive: ['at', 'case', 'reason', 'cameras']}),
  }

  async run(): Promise<CanvassResult | {incidents: CanvassResult[]}> {
    const {canvassBody, issueCanvass, readIncidents} = await import('../../lib/client/requests.js')
    const f = this.flags
    const shared = {type: f.type, expires: f.expires, dryRun: f['dry-run']}
    if (f.batch) {
      const incidents = await readIncidents(f.batch, shared)
      const api = await this.api()
      const results: CanvassResult[] = []
      for (const incident of incidents) {
        const result = await issueCanvass(api, incident)
        results.push(result)
        this.out(renderCanvass(result))
      }
      return {incidents: results}
    }
    const missing = (['at', 'from', 'to', 'case', 'reason'] as const).filter((k) => !f[k])
    if (missing.length) throw usageError(`missing ${missing.map((m) => `--${m}`).join(', ')}`, 'Or pass --batch incidents.csv.')
    const result = await issueCanvass(await this.api(), canvassBody({...shared, at: f.at!, radius: f.radius, from: f.from!, to: f.to!, case: f.case!, reason: f.reason!, cameras: f.cameras}))
    this.out(renderCanvass(result))
    return result
  }
}
