import {Flags} from '@oclif/core'

import type {ExportResult} from '../../lib/client/registry-export.js'
import {RtccCommand} from '../../lib/output/base-command.js'
import {usageError} from '../../lib/errors.js'

export default class RegistryExport extends RtccCommand<typeof RegistryExport> {
  static override summary = 'Export the registry in your jurisdiction as CSV, GeoJSON, KML or JSON Lines (analyst and up).'
  static override description =
    'Streams from the server to a file (-o) or stdout. CSV cells that a spreadsheet would run as a formula are prefixed with an apostrophe; importing the export gives back the same cameras (all unchanged), including those owners registered themselves (source owner), which an import never changes.'
  static override examples = [
    '<%= config.bin %> registry export --format csv -o registry.csv',
    '<%= config.bin %> registry export --format geojson --near 41.8781,-87.6298 --radius 2km -o loop.geojson',
    '<%= config.bin %> registry export --format jsonl | jq -c "select(.live_capable)"',
    '<%= config.bin %> registry export --format kml -o registry.kml --json',
  ]
  static override flags = {
    format: Flags.string({description: 'Output format.', options: ['csv', 'geojson', 'kml', 'jsonl'], default: 'csv'}),
    near: Flags.string({description: 'Only cameras near LAT,LON (with --radius).'}),
    radius: Flags.string({description: 'Radius around --near: 300m, 2km, 0.5mi.'}),
    output: Flags.string({char: 'o', description: 'Write to this file (default: stdout).'}),
  }

  async run(): Promise<ExportResult> {
    if (this.jsonEnabled() && !this.flags.output) throw usageError('--json needs -o FILE: stdout carries the export itself', 'Pass -o FILE.')
    const {exportRegistry} = await import('../../lib/client/registry-export.js')
    const target = this.flags.output ? {file: this.flags.output} : {stream: process.stdout}
    const result = await exportRegistry(await this.api(), this.flags, target)
    if (result.file) this.note(`${result.rows} camera(s) written to ${result.file} (${result.format}, ${result.bytes} bytes)`)
    return result
  }
}
