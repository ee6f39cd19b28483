import {Flags} from '@oclif/core'

import {RtccCommand} from '../../lib/output/base-command.js'

export default class ServerMigrate extends RtccCommand<typeof ServerMigrate> {
  static override summary = "Show and apply pending migrations of the server's database (SQLite or PostgreSQL)."
  static override description =
    'Lists the numbered schema migrations the database lacks (version and title) and applies them in order, each in its own transaction; on PostgreSQL under a lock, so several servers starting together are safe. Without --database (or RTCC_DATABASE_URL) it works on <data-dir>/rtcc.db. The server also applies pending migrations when it starts; run this to see them first (--dry-run) or to migrate ahead of a rollout.'
  static override examples = [
    '<%= config.bin %> server migrate --dry-run',
    '<%= config.bin %> server migrate --data-dir /srv/rtcc',
    '<%= config.bin %> server migrate --database postgres://rtcc@db.example.org/rtcc?sslmode=verify-full --json',
  ]
  static override flags = {
    database: Flags.string({
      description: 'PostgreSQL URL, postgres://USER[:PASS]@HOST[:PORT]/DB[?sslmode=require|verify-ca|verify-full] (default: $RTCC_DATABASE_URL, else SQLite in the data dir).',
      exclusive: ['data-dir'],
    }),
    'data-dir': Flags.string({description: 'Data directory whose SQLite database to migrate (default: $RTCC_DATA_DIR or ~/.local/share/rtcc).'}),
    'dry-run': Flags.boolean({description: 'Only show the pending migrations.'}),
  }

  async run() {
    const [{resolveDatabase}, {migrateDatabase}, {defaultDataDir}] = await Promise.all([
      import('../../lib/store/open.js'),
      import('../../lib/store/schema-migrations.js'),
      import('../../lib/server/data-dir.js'),
    ])
    const dataDir = this.flags['data-dir']
    // An explicit --data-dir means its SQLite file, even when RTCC_DATABASE_URL is set.
    const target = resolveDatabase({dataDir: dataDir ?? defaultDataDir(), databaseUrl: this.flags.database, environment: dataDir === undefined})
    const report = await migrateDatabase(target, {dryRun: this.flags['dry-run']})
    const where = `${report.backend === 'sqlite' ? 'SQLite' : 'PostgreSQL'} ${report.database}`
    if (report.pending.length === 0) {
      this.out(`${where}: schema version ${report.from}, up to date`)
      return report
    }
    this.out(`${where}: schema version ${report.from}, ${report.pending.length} pending migration${report.pending.length === 1 ? '' : 's'}:`)
    for (const step of report.pending) this.out(`  ${String(step.version).padStart(3)}  ${step.title}`)
    if (report.dryRun) this.out('dry run: nothing applied (run again without --dry-run to apply)')
    else this.out(`applied ${report.applied.length}: schema version ${report.to}`)
    return report
  }
}
