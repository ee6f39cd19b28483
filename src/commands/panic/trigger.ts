import {Flags} from '@oclif/core'

import {parseDuration} from '../../lib/domain/units.js'
import {RtccCommand} from '../../lib/output/base-command.js'

export default class PanicTrigger extends RtccCommand<typeof PanicTrigger> {
  static override summary = 'Raise a panic alert (owner): every dashboard sees it, and cameras set to `emergency` open.'
  static override description =
    'The panic is signed with your owner key, so your Core knows it is yours. Each `emergency` camera shares for its own --emergency-minutes or until the panic ends, whichever is first. `rtcc panic clear` ends it early.'
  static override examples = [
    '<%= config.bin %> panic trigger',
    '<%= config.bin %> panic trigger --message "two men with a gun at the till" --duration 30m',
    '<%= config.bin %> panic trigger --json',
  ]
  static override flags = {
    message: Flags.string({char: 'm', description: 'What is happening (shown on dashboards).'}),
    duration: Flags.string({description: 'How long the panic lasts unless cleared: 30m, 2h (at most 24h).', default: '60m'}),
  }

  async run() {
    const [{triggerPanic}, {renderPanic}] = await Promise.all([import('../../lib/client/panic.js'), import('../../lib/policy/render.js')])
    const panic = await triggerPanic(await this.api(), {message: this.flags.message, durationMs: parseDuration(this.flags.duration, '--duration')})
    this.out(`PANIC RAISED: every dashboard has been alerted.\n${renderPanic(panic)}`)
    return panic
  }
}
