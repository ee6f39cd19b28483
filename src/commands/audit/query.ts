import {Flags} from '@oclif/core'

import type {AuditRecord} from '../../lib/audit/record.js'
import type {WhoAmI} from '../../lib/domain/auth.js'
import {RtccCommand} from '../../lib/output/base-command.js'
import {type Column, renderTable} from '../../lib/output/table.js'

const columns: Column<AuditRecord>[] = [
  {header: 'seq', get: (r) => r.seq},
  {header: 'time', get: (r) => r.time},
  {header: 'actor', get: (r) => r.actorName ?? '-'},
  {header: 'role', get: (r) => r.role ?? '-'},
  {header: 'action', get: (r) => r.action},
  {header: 'target', get: (r) => r.target ?? ''},
  {header: 'outcome', get: (r) => r.outcome},
  {header: 'source', get: (r) => r.source ?? ''},
]

const CSV_FIELDS = ['seq', 'id', 'time', 'actorId', 'actorName', 'role', 'action', 'target', 'outcome', 'source', 'requestId', 'bytesIn', 'bytesOut', 'detail'] as const

export default class AuditQuery extends RtccCommand<typeof AuditQuery> {
  static override summary = 'Search the audit log (admin, supervisor). Every search is itself audited.'
  static override examples = [
    '<%= config.bin %> audit query --actor ana --since 24h',
    '<%= config.bin %> audit query --outcome denied --since 2026-11-01 --json',
    '<%= config.bin %> audit query --action "user.*" --csv > user-changes.csv',
    '<%= config.bin %> audit query --follow --json   # JSON Lines as records arrive',
  ]
  // Flags with a short alias come first: oclif trims the indent of the first help row, which misaligns
  // the table when that row has no alias.
  static override flags = {
    limit: Flags.integer({char: 'n', description: 'At most this many records.', default: 100, min: 1, max: 10_000}),
    follow: Flags.boolean({char: 'f', description: 'Keep printing new records as they are appended (Ctrl-C stops).'}),
    actor: Flags.string({description: 'Only this user (name or id).'}),
    action: Flags.string({description: 'Only this action, or a family: "user.*".'}),
    target: Flags.string({description: 'Only this target object id.'}),
    outcome: Flags.string({description: 'Only this outcome.', options: ['allowed', 'denied', 'error']}),
    since: Flags.string({description: 'From this time (ISO-8601) or this long ago (24h, 7d).'}),
    until: Flags.string({description: 'Up to this time (ISO-8601) or this long ago.'}),
    csv: Flags.boolean({description: 'CSV output (not with --json).', exclusive: ['json']}),
  }

  async run(): Promise<AuditRecord[] | undefined> {
    const {followAudit, queryAudit} = await import('../../lib/client/audit-query.js')
    const api = await this.api()
    const {follow, csv, profile: _p, server: _s, json: _j, ...filters} = this.flags
    const {stringify} = csv ? await import('csv-stringify/sync') : {stringify: undefined}
    const toCsv = (records: AuditRecord[], header: boolean) =>
      stringify!(records.map((r) => CSV_FIELDS.map((f) => (f === 'detail' ? (r.detail ? JSON.stringify(r.detail) : '') : r[f]))), {header, columns: [...CSV_FIELDS]})
    if (!follow) {
      const records = await queryAudit(api, filters)
      if (csv) process.stdout.write(toCsv(records, true))
      else this.out(renderTable(records, columns))
      return records
    }
    const me = (await api.get<WhoAmI>('/v1/auth/whoami')).user.username
    const controller = new AbortController()
    process.once('SIGINT', () => controller.abort())
    let header = true
    for await (const record of followAudit(api, filters, {signal: controller.signal, me})) {
      if (this.jsonEnabled()) process.stdout.write(JSON.stringify(record) + '\n')
      else if (csv) process.stdout.write(toCsv([record], header))
      else process.stdout.write(renderTable([record], columns, false))
      header = false
    }
    return undefined
  }
}
