import {Args, Flags} from '@oclif/core'

import {RtccCommand} from '../../lib/output/base-command.js'

export default class ServerMigrateTo extends RtccCommand<typeof ServerMigrateTo> {
  static override summary = "Move a SQLite deployment's database to PostgreSQL, with every record."
  static override description =
    "Stop the server first. Copies every table of <data-dir>/rtcc.db into the PostgreSQL database (which must hold no rtcc data yet; its schema is created) in one transaction, then checks the row count of every table and that the audit log's Merkle root is the same on both sides before committing: on any failure nothing is kept. Secrets (TLS key, audit signing key, evidence and MFA keys) and the evidence files are files in the data dir, not rows: they stay there, and the server keeps using that data dir with --database."
  static override examples = [
    '<%= config.bin %> server migrate-to postgres://rtcc@127.0.0.1:5432/rtcc --data-dir /srv/rtcc',
    '<%= config.bin %> server migrate-to "postgres://rtcc@db.example.org/rtcc?sslmode=verify-full" --data-dir /srv/rtcc --json',
  ]
  static override args = {
    url: Args.string({description: 'The PostgreSQL database to move into: postgres://USER[:PASS]@HOST[:PORT]/DB[?sslmode=…].', required: true}),
  }
  static override flags = {
    'data-dir': Flags.string({description: 'Data directory of the SQLite deployment (default: $RTCC_DATA_DIR or ~/.local/share/rtcc).'}),
  }

  async run() {
    const [{migrateToPostgres}, {defaultDataDir}] = await Promise.all([import('../../lib/store/migrate-to.js'), import('../../lib/server/data-dir.js')])
    const dataDir = this.flags['data-dir'] ?? defaultDataDir()
    this.note(`moving ${dataDir}/rtcc.db to PostgreSQL (one transaction: on failure nothing is kept)…`)
    const report = await migrateToPostgres({dataDir, databaseUrl: this.args.url})
    const width = Math.max(...report.tables.map((t) => t.table.length), 5)
    this.out(`${'table'.padEnd(width)}  ${'SQLite'.padStart(9)}  ${'PostgreSQL'.padStart(10)}`)
    for (const t of report.tables) this.out(`${t.table.padEnd(width)}  ${String(t.rows).padStart(9)}  ${String(t.copied).padStart(10)}`)
    for (const s of report.skipped) this.out(`skipped: ${s}`)
    this.out(`audit log: ${report.audit.records} records, Merkle root ${report.audit.root} on both sides`)
    if (report.audit.checkpoint) {
      this.out(`latest signed checkpoint (size ${report.audit.checkpoint.size}): ${report.audit.checkpoint.matches ? 'matches the copied log' : 'DOES NOT match the log (as in the source: run rtcc audit verify)'}`)
    }
    if (!report.audit.contentsMatchLeaves) this.out('warning: some source records do not hash to their leaves (copied as they are): run rtcc audit verify')
    this.out(`moved ${report.tables.reduce((n, t) => n + t.copied, 0)} rows to ${report.target} in ${(report.elapsedMs / 1000).toFixed(1)} s`)
    this.out(`secrets and evidence stay in ${report.dataDir} (files, not rows):`)
    for (const kept of report.keptInDataDir) this.out(`  ${kept}`)
    this.out(`next: rtcc server start --data-dir ${report.dataDir} --database '${report.target}'   (keep ${report.dataDir}/rtcc.db as a backup)`)
    return report
  }
}
