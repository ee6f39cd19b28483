import {Args, Flags} from '@oclif/core'

import type {ImportSummary} from '../../lib/domain/registry-import.js'
import {RtccCommand} from '../../lib/output/base-command.js'

export default class RegistryImport extends RtccCommand<typeof RegistryImport> {
  static override summary = 'Bulk-import cameras from a CSV, GeoJSON, JSON, JSON Lines or KML file (admin, supervisor).'
  static override description = `The file streams to the server, which validates every row, rejects bad ones with file:row:field and a reason, and imports the rest in one transaction, keyed by source + external_id (re-importing the same file changes nothing). Owners are matched by email. Rows of source "owner" (cameras owners registered themselves, as an export writes them) are never applied: identical ones count as unchanged, others are rejected.

Exit status: 0 all rows imported, 3 some rows rejected (the rest imported), 1 nothing imported (--atomic with rejects, --on-conflict fail with conflicts), 2 a problem with the file as a whole (no rows, not valid CSV/JSON, no column for a required field).`
  static override examples = [
    '<%= config.bin %> registry import cameras.csv --source county-2026',
    '<%= config.bin %> registry import chicago-speed-cameras.csv --map chicago-speed',
    '<%= config.bin %> registry import county.csv --map ./county.map.json --source county-2026',
    '<%= config.bin %> registry import cameras.csv --source county-2026 --dry-run --reject-report rejects.csv',
    '<%= config.bin %> registry import export.geojson --atomic --on-conflict fail --json',
    '<%= config.bin %> registry import legacy.txt --format csv --delimiter ";" --encoding latin1 --source legacy',
  ]
  static override args = {file: Args.string({required: true, description: 'The file to import.'})}
  static override flags = {
    format: Flags.string({description: 'File format (default: from the extension, else from the first bytes).', options: ['csv', 'geojson', 'json', 'jsonl', 'kml']}),
    map: Flags.string({description: 'Column map for files whose headers differ from ours: a shipped map\'s name (see `registry maps`) or the path of a JSON map file.'}),
    source: Flags.string({description: 'Source name for rows without one (with external_id, the key for re-imports).'}),
    'on-conflict': Flags.string({description: 'What to do with an existing camera whose values differ.', options: ['update', 'skip', 'fail'], default: 'update'}),
    'dry-run': Flags.boolean({description: 'Validate and count, write nothing.'}),
    atomic: Flags.boolean({description: 'Import nothing if any row is rejected.'}),
    encoding: Flags.string({description: 'Text encoding of the file: utf8 or latin1 (read as Windows-1252).', default: 'utf8'}),
    delimiter: Flags.string({description: 'CSV delimiter: , ; or tab (default: sniffed from the header line).'}),
    'allow-null-island': Flags.boolean({description: 'Accept 0,0 as a real location.'}),
    'reject-report': Flags.string({description: 'Write rejected rows (with row, fields and reasons) to this CSV; fix it and import it again.'}),
  }

  async run(): Promise<ImportSummary> {
    const [client, {describeImport, describeRejects}, {ImportProgressBar}] = await Promise.all([
      import('../../lib/client/registry-import.js'),
      import('../../lib/output/registry.js'),
      import('../../lib/output/registry-progress.js'),
    ])
    const prepared = await client.prepareImport({
      file: this.args.file,
      format: this.flags.format,
      map: this.flags.map,
      source: this.flags.source,
      onConflict: this.flags['on-conflict'] as 'update' | 'skip' | 'fail',
      dryRun: this.flags['dry-run'],
      atomic: this.flags.atomic,
      encoding: this.flags.encoding,
      delimiter: this.flags.delimiter,
      allowNullIsland: this.flags['allow-null-island'],
    })
    const bar = ImportProgressBar.enabled() && !this.jsonEnabled() ? new ImportProgressBar() : undefined
    let summary: ImportSummary
    try {
      summary = await client.uploadImport(await this.api(), prepared, bar && ((p) => bar.update(p)))
    } finally {
      bar?.clear()
    }
    const report = this.flags['reject-report']
    if (report) {
      await client.writeRejectReport(report, summary, prepared.format)
      this.note(`${summary.rejects.length} rejected row(s) written to ${report}${summary.rejectsTruncated ? ` (the first ${summary.rejects.length} of ${summary.rejected})` : ''}`)
    }
    this.out(describeImport(summary))
    if (summary.rejected > 0 && !this.jsonEnabled()) this.note(describeRejects(summary))
    const failure = client.importFailure(summary)
    if (failure) throw failure
    return summary
  }
}
