import {Flags} from '@oclif/core'

import {RtccCommand} from '../../lib/output/base-command.js'

export default class AuditCheckpoint extends RtccCommand<typeof AuditCheckpoint> {
  static override summary = 'Get a freshly signed checkpoint of the audit log (size, root hash, Ed25519 signature).'
  static override description = 'Keep it somewhere the server cannot reach; later, `rtcc audit verify --since-checkpoint FILE` proves the log still extends it.'
  static override examples = ['<%= config.bin %> audit checkpoint -o head.json', '<%= config.bin %> audit checkpoint --json']
  static override flags = {output: Flags.string({char: 'o', description: 'Write the checkpoint to this file.'})}

  async run() {
    const {saveCheckpoint} = await import('../../lib/client/audit.js')
    const checkpoint = await saveCheckpoint(await this.api(), this.flags.output)
    this.out(checkpoint.note)
    if (this.flags.output) this.note(`saved checkpoint at size ${checkpoint.size} to ${this.flags.output}`)
    return checkpoint
  }
}
