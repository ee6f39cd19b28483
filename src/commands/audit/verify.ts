import {Flags} from '@oclif/core'

import type {VerifyReport} from '../../lib/audit/verify.js'
import {RtccCommand} from '../../lib/output/base-command.js'
import {RtccError, usageError} from '../../lib/errors.js'
import {green, red} from '../../lib/output/terminal.js'

export default class AuditVerify extends RtccCommand<typeof AuditVerify> {
  static override summary = 'Prove the audit log intact: recompute the Merkle tree, check every signed checkpoint.'
  static override description =
    'Names the first bad record. Also proves (consistency proof) that the log extends a checkpoint kept earlier, which catches truncation, rewrites and restored old copies: the newest one this machine remembers for the server, or the one given with --since-checkpoint. With --db (a SQLite file) or --database (a PostgreSQL URL) and --public-key it works offline, reading the database directly.'
  static override examples = [
    '<%= config.bin %> audit verify',
    '<%= config.bin %> audit verify --since-checkpoint head.json',
    '<%= config.bin %> audit verify --db ./rtcc-copy.db --public-key ./audit-signing.pub --since-checkpoint head.json --json',
    '<%= config.bin %> audit verify --database postgres://rtcc@db.example.org/rtcc --public-key ./audit-signing.pub',
  ]
  static override flags = {
    'since-checkpoint': Flags.string({description: 'A checkpoint saved with `rtcc audit checkpoint -o FILE` (default: the one this machine remembers).'}),
    db: Flags.string({description: 'Verify this SQLite file offline instead of asking the server.', dependsOn: ['public-key'], exclusive: ['database']}),
    database: Flags.string({description: 'Verify this PostgreSQL database (postgres://…) offline instead of asking the server; nothing is written.', dependsOn: ['public-key'], exclusive: ['db']}),
    'public-key': Flags.string({description: "The server's audit public key (audit-signing.pub, PEM) for --db or --database."}),
  }

  async run(): Promise<VerifyReport> {
    const {db, database} = this.flags
    if (this.flags['public-key'] && !db && !database) throw usageError('--public-key is for offline verification', 'Add --db FILE or --database postgres://….')
    if (database !== undefined && !/^postgres(ql)?:\/\//.test(database)) throw usageError(`--database takes a postgres:// URL, got "${database}"`, 'For a SQLite file use --db FILE.')
    const report =
      db !== undefined || database !== undefined
        ? await (await import('../../lib/audit/offline.js')).verifyOffline(database !== undefined ? {database} : {db: db!}, this.flags['public-key']!, this.flags['since-checkpoint'])
        : await (await import('../../lib/client/audit.js')).verifyOnServer(await this.api(), this.flags['since-checkpoint'])
    if (!report.ok) {
      const bad = report.firstBadRecord
      throw new RtccError(`audit log FAILED verification: ${report.problems[0] ?? 'unknown problem'}`, {
        code: 'audit_tampered',
        result: report,
        where: bad ? `record seq ${bad.seq} (${bad.id}): ${bad.reason}` : undefined,
        hint: report.problems.length > 1 ? `${report.problems.length} problems in all; see --json for the list.` : 'Restore from a backup and investigate who had access to the database.',
      })
    }
    const rate = report.ratePerSecond ? `, ${Math.round(report.ratePerSecond).toLocaleString()} records/s` : ''
    this.out(`${green('✔')} audit log intact: ${report.records} records, ${report.checkpoints} signed checkpoints, root ${report.rootHash}${rate}`)
    const since = report.sinceCheckpoint
    if (since) this.out(`${green('✔')} extends ${since.file === 'remembered' ? 'the checkpoint this machine remembered' : `the checkpoint in ${since.file}`} (size ${since.size})`)
    for (const warning of report.warnings ?? []) this.note(`${red('!')} ${warning}`)
    return report
  }
}
