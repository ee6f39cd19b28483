import {RtccCommand} from '../../lib/output/base-command.js'

export default class PanicStatus extends RtccCommand<typeof PanicStatus> {
  static override summary = 'Show active panics: your own (owner), or every owner\'s (agency).'
  static override examples = ['<%= config.bin %> panic status', '<%= config.bin %> panic status --json']

  async run() {
    const [{activePanics}, {renderPanic}] = await Promise.all([import('../../lib/client/panic.js'), import('../../lib/policy/render.js')])
    const panics = await activePanics(await this.api())
    this.out(panics.length ? panics.map(renderPanic).join('\n') : 'no active panic')
    return panics
  }
}
