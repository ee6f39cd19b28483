import {RtccCommand} from '../../lib/output/base-command.js'

export default class PanicClear extends RtccCommand<typeof PanicClear> {
  static override summary = 'End your active panic (owner): dashboards are told and emergency access closes.'
  static override examples = ['<%= config.bin %> panic clear', '<%= config.bin %> panic clear --json']

  async run() {
    const [{clearPanic}, {renderPanic}] = await Promise.all([import('../../lib/client/panic.js'), import('../../lib/policy/render.js')])
    const result = await clearPanic(await this.api())
    this.out(result.cleared.map(renderPanic).join('\n'))
    return result
  }
}
