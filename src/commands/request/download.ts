import {Args, Flags} from '@oclif/core'

import type {EvidenceVerifyReport} from '../../lib/evidence/evidence-dir.js'
import {RtccCommand} from '../../lib/output/base-command.js'
import {usageError} from '../../lib/errors.js'
import {green} from '../../lib/output/terminal.js'

export default class RequestDownload extends RtccCommand<typeof RequestDownload> {
  static override summary = 'Download the evidence of a request or a whole case, with verified SHA-256 hashes and a signed custody.json.'
  static override examples = [
    '<%= config.bin %> request download req_01… -o ./evidence/26-114233',
    '<%= config.bin %> request download --case 26-114233 -o ./evidence/26-114233 --json',
    '<%= config.bin %> evidence verify ./evidence/26-114233   # later, offline',
  ]
  static override args = {request: Args.string({description: 'Request id (or use --case).'})}
  static override flags = {
    case: Flags.string({description: 'Every request of this case.'}),
    output: Flags.string({char: 'o', required: true, description: 'Folder to write the files and custody.json to.'}),
  }

  async run(): Promise<EvidenceVerifyReport> {
    if (!this.args.request === !this.flags.case) throw usageError('give a request id or --case, not both', 'rtcc request download REQ -o DIR')
    const {downloadEvidence} = await import('../../lib/client/download.js')
    const report = await downloadEvidence(await this.api(), {request: this.args.request, case: this.flags.case}, this.flags.output, (name, bytes) =>
      this.note(`${green('✔', process.stderr)} ${name} (${bytes} bytes, SHA-256 verified)`),
    )
    this.out(`${green('✔')} ${report.files.length} file(s) and custody.json in ${report.dir}; signature ${report.signature.key === 'given' ? 'checked against the pinned server key' : 'checked against the key in custody.json'}`)
    for (const warning of report.warnings) this.note(`! ${warning}`)
    return report
  }
}
