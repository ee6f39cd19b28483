import {Args, Flags} from '@oclif/core'

import {RtccCommand} from '../../lib/output/base-command.js'
import {green} from '../../lib/output/terminal.js'

export default class AuditProve extends RtccCommand<typeof AuditProve> {
  static override summary = 'Print an inclusion proof for one audit record, checked against the signed checkpoint.'
  static override examples = ['<%= config.bin %> audit prove aud_01j…', '<%= config.bin %> audit prove 1234 --json > proof.json']
  static override args = {record: Args.string({required: true, description: 'Record id (aud_…) or sequence number.'})}
  static override flags = {'public-key': Flags.string({description: "Check against this key file (audit-signing.pub) instead of the key pinned for the server."})}

  async run() {
    const {proveRecord} = await import('../../lib/client/audit.js')
    const proof = await proveRecord(await this.api(), this.args.record, this.flags['public-key'])
    this.out(`${green('✔')} record ${proof.record.id} (seq ${proof.record.seq}, ${proof.record.action}) is leaf ${proof.leafIndex} of the signed tree of size ${proof.treeSize}`)
    this.out(`leaf hash ${proof.leafHash}`)
    this.out(`audit path (${proof.proof.length} hashes):\n${proof.proof.map((h) => `  ${h}`).join('\n')}`)
    this.out(`checkpoint:\n${proof.checkpoint}`)
    return proof
  }
}
