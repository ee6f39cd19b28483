import {Flags} from '@oclif/core'

import type {EnrollCodeView} from '../../lib/domain/core.js'
import {parseDuration} from '../../lib/domain/units.js'
import {RtccCommand} from '../../lib/output/base-command.js'
import {usageError} from '../../lib/errors.js'

export default class CoreEnrollCode extends RtccCommand<typeof CoreEnrollCode> {
  static override summary = 'Issue a single-use code that enrols one Core for an owner (admin).'
  static override description = 'Give the code to the installer who provisions the Core at the owner\'s site (`rtcc core provision --code`). The server keeps only a hash of it; it works once, before it expires.'
  static override examples = [
    '<%= config.bin %> core enroll-code --owner own_01jd8x3k2m4n5p6q7r8s9t0v1w --expires 24h',
    '<%= config.bin %> core enroll-code --owner own_01jd8x3k2m4n5p6q7r8s9t0v1w --expires 2h --json',
  ]
  static override flags = {
    owner: Flags.string({description: 'The owner whose cameras the Core will serve (see `rtcc registry list`).', required: true}),
    expires: Flags.string({description: 'How long the code stays valid (1m to 30d).', default: '24h'}),
  }

  async run(): Promise<EnrollCodeView> {
    const seconds = Math.round(parseDuration(this.flags.expires, '--expires') / 1000)
    if (seconds < 60 || seconds > 30 * 86_400) throw usageError(`--expires ${this.flags.expires}: between 1m and 30d`)
    const {createEnrollCode} = await import('../../lib/client/cores.js')
    const code = await createEnrollCode(await this.api(), this.flags.owner, seconds)
    this.out(`enrolment code for ${code.ownerName}: ${code.code}`)
    this.out(`valid once, until ${new Date(code.expiresAt).toLocaleString()}`)
    this.note(`next, at the site: rtcc core provision --server URL --code ${code.code} --from discovery.json --name "SITE"`)
    return code
  }
}
