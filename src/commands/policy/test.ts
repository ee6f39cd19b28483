import {Args, Flags} from '@oclif/core'

import {VIDEO_KINDS} from '../../lib/domain/policy.js'
import {parseTime} from '../../lib/domain/units.js'
import {RtccCommand} from '../../lib/output/base-command.js'

export default class PolicyTest extends RtccCommand<typeof PolicyTest> {
  static override summary = "Explain the decision a camera's Core would make for a viewer at a time, and why."
  static override description = "Uses the owner's policy, panics and approved windows as the server knows them. Owners see every step; agencies see the decision and the mode."
  static override examples = [
    '<%= config.bin %> policy test cam_01… --as investigator --kind live --at 2026-11-28T23:30:00Z',
    '<%= config.bin %> policy test "Front door" --as ines --kind recorded',
    '<%= config.bin %> policy test cam_01… --json',
  ]
  static override args = {camera: Args.string({required: true, description: 'Camera id (cam_…) or name.'})}
  static override flags = {
    as: Flags.string({description: 'A role (investigator, supervisor…) or a user name; yourself when omitted.'}),
    kind: Flags.string({options: [...VIDEO_KINDS], default: 'live', description: 'Live or recorded video.'}),
    at: Flags.string({description: 'When: ISO-8601, or a duration ago (2h); now when omitted.'}),
  }

  async run() {
    const [{testPolicy}, {renderExplanation}] = await Promise.all([import('../../lib/client/policy.js'), import('../../lib/policy/render.js')])
    const at = this.flags.at === undefined ? undefined : parseTime(this.flags.at, '--at')
    const explanation = await testPolicy(await this.api(), this.args.camera, {kind: this.flags.kind as (typeof VIDEO_KINDS)[number], at, as: this.flags.as})
    this.out(renderExplanation(explanation))
    return explanation
  }
}
