import {RtccCommand} from '../lib/output/base-command.js'
import {RtccError} from '../lib/errors.js'
import {green, red} from '../lib/output/terminal.js'

export default class Doctor extends RtccCommand<typeof Doctor> {
  static override summary = 'Check Node, ffmpeg, the data dir, the config and the server connection.'
  static override examples = ['<%= config.bin %> doctor', '<%= config.bin %> doctor --json | jq ".checks[] | select(.ok | not)"']

  async run() {
    const {runDoctor} = await import('../lib/doctor/index.js')
    const report = await runDoctor({profile: this.flags.profile, server: this.flags.server})
    for (const check of report.checks) {
      this.out(`${check.ok ? green('✔') : red('✘')} ${check.name.padEnd(12)} ${check.detail}${check.fix ? `\n    fix: ${check.fix}` : ''}`)
    }
    if (!report.ok) {
      throw new RtccError(`${report.checks.filter((c) => !c.ok).length} check(s) failed`, {code: 'doctor_failed', result: report})
    }
    return report
  }
}
